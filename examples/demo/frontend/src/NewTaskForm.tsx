// The new-task form: the server's `task_form`, validated as the user types
// (`task_form.validate` with fields ["title"]) and submitted with `task_form.submit`.
import { useRef, useState } from "react";
import type { FormEvent } from "react";

import { forms } from "./api";
import type { Run } from "./Board";

export function NewTaskForm({ listId, run }: { listId: number; run: Run }) {
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const latest = useRef(0); // answers to older keystrokes are ignored

  async function validate(value: string) {
    const asked = ++latest.current;
    const answer = await run((client) =>
      forms.task_form.validate(client, { data: { title: value, list_id: listId }, fields: ["title"] }),
    );
    if (answer && asked === latest.current) {
      setError(answer.errors.title?.[0] ?? null);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    latest.current++;
    setBusy(true);
    const answer = await run((client) => forms.task_form.submit(client, { data: { title, list_id: listId } }));
    setBusy(false);
    if (!answer) return;
    if (answer.success) {
      setTitle("");
      setError(null);
    } else {
      const errors = answer.errors ?? {};
      setError(errors.title?.[0] ?? errors.list_id?.[0] ?? answer.non_field_errors?.[0] ?? "Invalid");
    }
  }

  return (
    <form className="new-task" onSubmit={(event) => void submit(event)}>
      <input
        data-testid="new-task-title"
        placeholder="New task (3 to 80 characters)"
        value={title}
        aria-invalid={error ? true : undefined}
        onChange={(event) => {
          setTitle(event.target.value);
          void validate(event.target.value);
        }}
      />
      <button type="submit" data-testid="new-task-submit" disabled={busy}>
        Add
      </button>
      {error && (
        <span className="error" data-testid="new-task-error">
          {error}
        </span>
      )}
    </form>
  );
}
