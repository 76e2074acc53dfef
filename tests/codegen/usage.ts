// Hand-written use of the client generated from tests/codegen/tasks_api.py, type-checked
// with `tsc --noEmit --strict` beside it. Each `@ts-expect-error` line must fail to type
// check (tsc reports an unused one), so wrong arguments are proven to be rejected.
import {
  MizanClient,
  addTask,
  attachFile,
  boardContext,
  chatChannel,
  failOnPurpose,
  forms,
  isMizanError,
  listsContext,
  makeReport,
  newsChannel,
  renameTask,
  statsContext,
  stats,
  tasksFind,
  type BoardBundle,
  type ErrorCode,
  type MakeReportOutput,
  type Outline,
  type TaskOut,
} from "./api.js";

export async function demo(client: MizanClient): Promise<string[]> {
  const seen: string[] = [];
  const task: TaskOut = await addTask(client, { list_id: 1, title: "Buy milk" });
  seen.push(task.title, String(task.attachments.length));
  const renamed = await renameTask(client, { list_id: 1, task_id: task.id, title: "Buy oat milk" });
  seen.push(renamed.title);
  const file = new Blob(["hello"], { type: "text/plain" });
  const attachment = await attachFile(client, { list_id: 1, task_id: task.id, file, more: [file] });
  seen.push(`${attachment.name}:${attachment.size}`);
  const found = await tasksFind(client, { task_id: 2 });
  seen.push(found === null ? "none" : found.title);
  seen.push(String((await stats(client)).length));

  const board = boardContext(client, { list_id: 1 });
  const unsubscribe = board.subscribe((state) => {
    if (state.status === "ready") {
      const bundle: BoardBundle = state.data;
      seen.push(`${bundle.board_summary.open} open`, ...bundle.board_tasks.map((t) => t.title));
    }
  });
  unsubscribe();
  listsContext(client).get();
  statsContext(client).get();

  const chat = await chatChannel(client, { list_id: 1 }, (message) => seen.push(`${message.user}: ${message.text}`));
  await chat.send({ text: "hi" });
  await chat.unsubscribe();
  await newsChannel(client, (message) => seen.push(message.headline));

  const schema = await forms.task_form.schema(client);
  seen.push(...schema.field_order);
  const checked = await forms.task_form.validate(client, { data: { title: "ab" }, fields: ["title"] });
  seen.push(String(checked.valid));

  const report: MakeReportOutput = await makeReport(client, { priority: "high", tags: [] });
  if (report.pet.kind === "cat") seen.push(String(report.pet.lives));
  else seen.push(String(report.pet.good));
  const outline: Outline = { title: "root", children: [{ title: "leaf", children: [] }] };
  seen.push(outline.children[0].title);

  try {
    await failOnPurpose(client);
  } catch (error) {
    if (isMizanError(error, "INTERNAL_ERROR")) seen.push(error.code);
    const code: ErrorCode = "SOCKET_CLOSED";
    seen.push(code);
  }
  return seen;
}

export async function rejected(client: MizanClient): Promise<void> {
  // @ts-expect-error list_id is a number
  await addTask(client, { list_id: "1", title: "x" });
  // @ts-expect-error title is required
  await addTask(client, { list_id: 1 });
  // @ts-expect-error the context needs its params
  boardContext(client);
  // @ts-expect-error a channel message is { text }
  await (await chatChannel(client, { list_id: 1 }, () => undefined)).send({ body: "hi" });
  // @ts-expect-error a one-way channel sends nothing
  await (await newsChannel(client, () => undefined)).send({ headline: "x" });
  // @ts-expect-error a file is a File or Blob, not its name
  await attachFile(client, { list_id: 1, task_id: 1, file: "a.txt" });
  // @ts-expect-error not an error code of the protocol
  isMizanError(new Error("x"), "TEAPOT");
  // @ts-expect-error priority is "low" | "high"
  await makeReport(client, { priority: "urgent", tags: [] });
  const task = await addTask(client, { list_id: 1, title: "x" });
  // @ts-expect-error done is a boolean
  const done: string = task.done;
  void done;
}
