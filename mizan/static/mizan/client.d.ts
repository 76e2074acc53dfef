/**
 * Mizan's browser runtime: one dependency-free ES module (`client.js`, beside this file).
 *
 * It talks the Mizan protocol: `GET <base>/session/` (CSRF bootstrap), `POST <base>/call/`
 * (JSON, or multipart when an argument is a File/Blob), `GET <base>/ctx/<name>/?<params>`
 * (context bundles), and the WebSocket at `<base>/ws/` (rpc, auth, channels and pushed
 * invalidation). The server decides what to refetch: every response's `invalidate` list and
 * `X-Mizan-Invalidate` header are applied by scope, and `merge` entries are spliced into the
 * cached bundles without a refetch.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Context params: they travel as query text (`true`/`false`, numbers in decimal). */
export type Params = Record<string, string | number | boolean | null>;

/** One entry of a response's `invalidate` list (a bare name is a broad entry). */
export type InvalidationEntry = string | { context: string; function?: string; params?: Record<string, Json> };

/** One entry of a response's `merge` list. */
export interface MergeEntry {
  context: string;
  slot: string;
  value: Json;
  params?: Record<string, Json>;
}

/** Codes the client itself raises, beside the server's envelope codes. */
export type ClientErrorCode = "NETWORK_ERROR" | "SOCKET_CLOSED" | "TIMEOUT" | "BAD_RESPONSE";

/** Every failure: the server's error envelope, or a client-side failure. */
export declare class MizanError extends Error {
  /** The envelope's `code` (`BAD_REQUEST`, `VALIDATION_ERROR`, `FORBIDDEN`, ...) or a ClientErrorCode. */
  readonly code: string;
  /** The HTTP status; 0 for socket and network failures. */
  readonly status: number;
  /** The envelope's `details`, when present (e.g. `fields` of a validation error). */
  readonly details?: Json;
  constructor(code: string, message: string, status?: number, details?: Json);
}

export interface ClientOptions {
  /** Where Mizan is mounted; default `"/api/mizan"`. */
  baseUrl?: string;
  /** The fetch to use; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** CSRF cookie and header names; default `csrftoken` / `X-CSRFToken`. */
  csrfCookieName?: string;
  csrfHeaderName?: string;
  /** An MWT sent as `X-Mizan-Token` on HTTP and as an `auth` frame on the socket. */
  token?: string | null;
  /**
   * The WebSocket transport: `false` (default) keeps everything on HTTP; `true` opens
   * `<base>/ws/` on the page's origin; an object sets the URL and/or the constructor.
   */
  websocket?: boolean | { url?: string; WebSocket?: { new (url: string): WebSocket } };
  /** Reconnect back-off: first delay and cap in milliseconds (default 250 and 10000). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How long a call or fetch may take before it fails with TIMEOUT; default 30000 ms. */
  timeoutMs?: number;
  /** Hydration data; default `globalThis.__MIZAN_SSR_DATA__` (read once, consumed per context). */
  ssrData?: Record<string, unknown> | null;
  /** The timer functions for timeouts and reconnects; default the global ones (tests inject fakes). */
  timers?: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
  /** Numbers in [0, 1) for the reconnect jitter; default `Math.random`. */
  random?: () => number;
}

/** The state a context handle reports to its subscribers. */
export type ContextState<T> =
  | { status: "loading"; data?: T; error?: undefined }
  | { status: "ready"; data: T; error?: undefined }
  | { status: "error"; data?: T; error: MizanError };

/** One context bundle for one set of params; the same name+params give the same handle. */
export interface ContextHandle<T> {
  readonly name: string;
  readonly params: Params;
  /** The current state (synchronous; hydrated handles start `ready`). */
  get(): ContextState<T>;
  /** Listen to state changes; the first subscriber triggers the fetch (unless hydrated). */
  subscribe(listener: (state: ContextState<T>) => void): () => void;
  /** Fetch the bundle now. */
  refetch(): Promise<T>;
}

export type ConnectionStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface CallOptions {
  /** `"ws"` sends the call over the socket (falls back to HTTP when the socket is not open). */
  transport?: "http" | "ws";
}

export interface ChannelSubscription<Outgoing = Json> {
  /** Send a message on a bidirectional channel. */
  send(message: Outgoing): Promise<void>;
  /** Leave the channel. */
  unsubscribe(): Promise<void>;
}

export declare class MizanClient {
  constructor(options?: ClientOptions);
  /** `GET <base>/session/`: sets the CSRF cookie; called once, lazily, before the first unsafe call. */
  session(): Promise<{ csrfToken: string | null }>;
  /** Call a server function; rejects with MizanError. Applies the reply's invalidate and merge. */
  call<T = unknown>(fn: string, args?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  /** The handle of context `name` with `params`; `members` lets it hydrate from SSR data. */
  context<T extends Record<string, unknown> = Record<string, unknown>>(
    name: string,
    params?: Params,
    members?: readonly string[],
  ): ContextHandle<T>;
  /** Subscribe to a channel (needs the socket); `onMessage` receives each delivered message. */
  channel<Incoming = Json, Outgoing = Json>(
    name: string,
    params: Record<string, Json>,
    onMessage: (message: Incoming) => void,
  ): Promise<ChannelSubscription<Outgoing>>;
  /** Switch identity to an MWT (or back to the session with null), on HTTP and the socket. */
  authenticate(token: string | null): Promise<void>;
  /**
   * This client's tab id (a new random one per instance): sent as `X-Mizan-Tab` on every
   * HTTP request and as `?tab=` on the socket's URL, so that the server does not push the
   * invalidation of this client's own HTTP mutations back to its socket (its reply has it).
   */
  readonly tabId: string;
  /** The socket's status ("idle" when the client has no socket). */
  readonly connectionStatus: ConnectionStatus;
  /** Listen to socket status changes. */
  onConnectionChange(listener: (status: ConnectionStatus) => void): () => void;
  /** Listen to every error the client meets (calls, fetches, socket). */
  onError(listener: (error: MizanError) => void): () => void;
  /** Apply invalidation entries: refetch each affected, subscribed bundle once. */
  applyInvalidation(entries: readonly InvalidationEntry[]): void;
  /** Splice merge entries into the cached bundles (direct, upsert by `id`, list-replace). */
  applyMerge(entries: readonly MergeEntry[]): void;
  /** Close the socket and stop every timer. */
  close(): void;
}

export declare function createClient(options?: ClientOptions): MizanClient;

/** Parse an `X-Mizan-Invalidate` header into entries (values as strings). */
export declare function parseInvalidateHeader(value: string): InvalidationEntry[];

declare global {
  // eslint-disable-next-line no-var
  var __MIZAN_SSR_DATA__: Record<string, unknown> | undefined;
}
