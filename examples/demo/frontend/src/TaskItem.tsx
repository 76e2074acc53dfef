// One task: its title, the done checkbox, renaming (merged, no refetch) and attachments.
import { useState } from "react";

import { attachFile, renameTask, toggleTask, type TaskOut } from "./api";
import type { Run } from "./Board";

export function TaskItem({ task, listId, run }: { task: TaskOut; listId: number; run: Run }) {
  const [title, setTitle] = useState(task.title);
  const [busy, setBusy] = useState(false);

  async function rename() {
    const next = title.trim();
    if (!next || next === task.title) return;
    setBusy(true);
    await run((client) => renameTask(client, { list_id: listId, task_id: task.id, title: next }));
    setBusy(false);
  }

  async function attach(input: HTMLInputElement) {
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    await run((client) => attachFile(client, { list_id: listId, task_id: task.id, file }));
    input.value = "";
    setBusy(false);
  }

  return (
    <li data-testid="task" data-task-id={task.id} className={task.done ? "done" : undefined}>
      <div className="task-row">
        <input
          type="checkbox"
          data-testid="task-toggle"
          checked={task.done}
          aria-label={`Done: ${task.title}`}
          onChange={() => void run((client) => toggleTask(client, { list_id: listId, task_id: task.id }))}
        />
        <span className="task-title" data-testid="task-title">
          {task.title}
        </span>
      </div>
      <div className="rename">
        <input
          data-testid="rename-input"
          value={title}
          aria-label="New title"
          maxLength={80}
          onChange={(event) => setTitle(event.target.value)}
        />
        <button type="button" data-testid="rename-save" disabled={busy} onClick={() => void rename()}>
          Rename
        </button>
        <label>
          Attach{" "}
          <input
            type="file"
            data-testid="attach-input"
            disabled={busy}
            onChange={(event) => void attach(event.currentTarget)}
          />
        </label>
      </div>
      {task.attachments.length > 0 && (
        <ul className="attachments">
          {task.attachments.map((attachment) => (
            <li key={attachment.id} data-testid="attachment">
              {attachment.name}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
