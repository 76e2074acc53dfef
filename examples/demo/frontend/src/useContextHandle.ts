// React's view of a context handle of Mizan's runtime: the handle is an external store
// (get + subscribe), so useSyncExternalStore keeps every component on the same state.
import { useCallback, useRef, useSyncExternalStore } from "react";
import type { ContextHandle, ContextState } from "mizan-client";

/**
 * The state of `handle`; without a handle (the server render, where no client exists)
 * the state is `ready` with `initial` when given, else `loading`. The server snapshot is
 * the same, so hydration renders exactly what the server sent.
 */
export function useContextHandle<T>(handle: ContextHandle<T> | null, initial?: T): ContextState<T> {
  const fallback = useRef<ContextState<T> | null>(null);
  if (fallback.current === null) {
    fallback.current = initial === undefined ? { status: "loading" } : { status: "ready", data: initial };
  }
  const subscribe = useCallback((onChange: () => void) => (handle ? handle.subscribe(onChange) : () => {}), [handle]);
  const getSnapshot = useCallback(() => (handle ? handle.get() : fallback.current!), [handle]);
  const getServerSnapshot = useCallback(() => fallback.current!, []);
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}
