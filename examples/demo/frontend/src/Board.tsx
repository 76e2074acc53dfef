// Mizan Tasks' board page: rendered to HTML by Mizan's SSR worker from the props the view
// gives (BoardProps), then hydrated in the browser (main.tsx), where the same tree reads
// the runtime's context handles, calls the server functions and opens the chat channel.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { ConnectionStatus, MizanClient } from "mizan-client";

import { useClient } from "./client";
import { Chat } from "./Chat";
import { NewTaskForm } from "./NewTaskForm";
import { TaskItem } from "./TaskItem";
import { boardContext, failOnPurpose, listsContext } from "./api";
import type { BoardProps } from "./types";
import { useContextHandle } from "./useContextHandle";

/** What the error banner shows: the failure's code and message. */
export interface Failure {
  code: string;
  message: string;
}

export type Report = (failure: Failure | null) => void;

/** An error from the runtime (MizanError) or anything thrown, as a Failure. */
export function failureOf(error: unknown): Failure {
  if (error && typeof error === "object" && "code" in error) {
    const { code, message } = error as { code: unknown; message?: unknown };
    return { code: String(code), message: typeof message === "string" ? message : "" };
  }
  return { code: "NETWORK_ERROR", message: String(error) };
}

const noSubscription = () => () => {};

function useConnectionStatus(client: MizanClient | null): ConnectionStatus {
  const subscribe = useCallback(
    (onChange: () => void) => (client ? client.onConnectionChange(onChange) : noSubscription()),
    [client],
  );
  return useSyncExternalStore(
    subscribe,
    () => (client ? client.connectionStatus : "connecting"),
    () => "connecting",
  );
}

export default function Board(props: BoardProps) {
  const client = useClient();
  const listId = props.list_id;
  const boardHandle = useMemo(() => (client ? boardContext(client, { list_id: listId }) : null), [client, listId]);
  const listsHandle = useMemo(() => (client ? listsContext(client) : null), [client]);
  const board = useContextHandle(
    boardHandle,
    props.board_tasks && props.board_summary
      ? { board_tasks: props.board_tasks, board_summary: props.board_summary }
      : undefined,
  );
  const lists = useContextHandle(listsHandle, props.my_lists ? { my_lists: props.my_lists } : undefined);
  const status = useConnectionStatus(client);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [hydrated, setHydrated] = useState(false);

  useEffect(() => setHydrated(true), []);
  // Every failure the runtime meets (calls, refetches, the socket) reaches the banner.
  useEffect(() => (client ? client.onError((error) => setFailure(failureOf(error))) : undefined), [client]);
  useEffect(() => {
    if (status === "reconnecting") {
      setFailure({ code: "SOCKET_CLOSED", message: "The connection dropped; reconnecting." });
    }
  }, [status]);

  const report: Report = setFailure;
  const run: Run = useCallback(
    async <T,>(action: (client: MizanClient) => Promise<T>): Promise<T | undefined> => {
      if (!client) return undefined;
      try {
        const result = await action(client);
        setFailure(null);
        return result;
      } catch (error) {
        setFailure(failureOf(error));
        return undefined;
      }
    },
    [client],
  );

  const data = board.data;
  const summary = data?.board_summary;
  const tasks = data?.board_tasks ?? [];
  const boardError = board.status === "error" ? failureOf(board.error) : null;
  const shown = failure ?? boardError;

  return (
    <div className="board" data-testid="board" data-hydrated={hydrated ? "true" : undefined}>
      <header>
        <nav data-testid="list-nav">
          {(lists.data?.my_lists ?? []).map((item) => (
            <a key={item.id} href={`/lists/${item.id}/`} aria-current={item.id === listId ? "page" : undefined}>
              {item.name}
            </a>
          ))}
          <a href="/plain/">Plain page</a>
        </nav>
        <span>
          Signed in as <strong data-testid="current-user">{props.username}</strong>{" "}
          <span className="status">
            socket: <span data-testid="connection-status">{status}</span>
          </span>
        </span>
      </header>

      <h1>{summary?.name ?? "Tasks"}</h1>
      {shown && (
        <p className="error-banner" role="alert" data-testid="error-banner">
          <strong>{shown.code}</strong> {shown.message}{" "}
          <button type="button" onClick={() => setFailure(null)}>
            Dismiss
          </button>
        </p>
      )}
      <p data-testid="summary">{summary ? `${summary.open} open · ${summary.done} done` : "loading"}</p>

      <ul className="tasks" data-testid="tasks">
        {tasks.map((task) => (
          <TaskItem key={task.id} task={task} listId={listId} run={run} />
        ))}
      </ul>

      <NewTaskForm listId={listId} run={run} />

      <p>
        <button type="button" data-testid="trigger-error" onClick={() => void run(failOnPurpose)}>
          Simulate a server error
        </button>
      </p>

      <Chat listId={listId} report={report} />
    </div>
  );
}

/** Runs one server call with the page's client; a failure goes to the banner (undefined). */
export type Run = <T>(action: (client: MizanClient) => Promise<T>) => Promise<T | undefined>;
