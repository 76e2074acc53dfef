// Mizan's browser runtime: one dependency-free ES module, loaded as-is by browsers
// (`<script type="module">`), bundlers and Node 20. Its API is declared in client.d.ts.
//
// The server decides what goes stale: every reply's `invalidate` list and
// `X-Mizan-Invalidate` header (XMI-4) name contexts, scoped by params or broad; the client
// refetches the matching handles that someone is subscribed to, each at most once per
// batch, and splices `merge` entries into its cached bundles without a request (MRG-9).
// Over the optional WebSocket the same happens for rpc replies and pushed invalidations
// (WS-4, WS-9); channels subscribe, send and receive there too (CHAN-3, CHAN-4).

/** @typedef {import("./client.d.ts").Json} Json */
/** @typedef {import("./client.d.ts").Params} Params */
/** @typedef {import("./client.d.ts").InvalidationEntry} InvalidationEntry */
/** @typedef {import("./client.d.ts").MergeEntry} MergeEntry */
/** @typedef {import("./client.d.ts").ClientOptions} ClientOptions */
/** @typedef {import("./client.d.ts").ConnectionStatus} ConnectionStatus */

const SOCKET_OPEN = 1; // WebSocket.OPEN, without needing the global
const TAB_HEADER = "X-Mizan-Tab";

/** Every failure the client reports: the server's error envelope or a client-side code. */
export class MizanError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} [status]
   * @param {Json} [details]
   */
  constructor(code, message, status = 0, details = undefined) {
    super(message);
    this.name = "MizanError";
    this.code = code;
    this.status = status;
    if (details !== undefined) this.details = details;
  }
}

/**
 * A param value as the server writes it in headers and scopes (NORM-1), so that `5` and `"5"`
 * compare equal.
 * @param {unknown} value
 * @returns {string}
 */
function normText(value) {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  return canonicalJson(value);
}

/** JSON with object keys sorted, recursively (the server's canonical form). */
function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The identity of a (name, params) pair: params in code-point key order, values as text. */
/**
 * A new tab id (WS-9): the server skips this client's socket when it pushes the invalidation
 * of a mutation this client made over HTTP (the reply already carries it). A UUID where the
 * page has `crypto.randomUUID` (secure contexts), else 32 random hex digits; both fit the
 * server's 1-64 characters of `[A-Za-z0-9_-]`.
 */
function newTabId() {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === "function") return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === "function") crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `url` with `tab=<id>` added to its query. */
function withTab(url, tab) {
  return `${url}${url.includes("?") ? "&" : "?"}tab=${encodeURIComponent(tab)}`;
}

function paramsKey(name, params) {
  const keys = Object.keys(params || {}).sort();
  return `${name}?${keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(normText(params[k]))}`).join("&")}`;
}

/** The query string of a context fetch; null and undefined values are left out. */
function queryString(params) {
  const parts = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === null || value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(normText(value))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/**
 * Parse an `X-Mizan-Invalidate` header (XMI-4): entries split on `,`, pairs on `;`, each pair
 * at its first `=`, both halves percent-decoded. A pair without `=` or with a bad escape makes
 * its entry broad, a safe superset.
 * @param {string} value
 * @returns {InvalidationEntry[]}
 */
export function parseInvalidateHeader(value) {
  /** @type {InvalidationEntry[]} */
  const entries = [];
  for (const item of String(value || "").split(",")) {
    const parts = item.trim().split(";");
    const context = parts[0].trim();
    if (!context) continue;
    /** @type {Record<string, string> | null} */
    let params = {};
    for (const part of parts.slice(1)) {
      const eq = part.indexOf("=");
      if (eq < 0) {
        params = null;
        break;
      }
      try {
        params[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
      } catch {
        params = null;
        break;
      }
    }
    entries.push(params && Object.keys(params).length ? { context, params } : context);
  }
  return entries;
}

/** An invalidation or merge entry as (context, params or null for broad). */
function targetOf(entry) {
  if (typeof entry === "string") return { context: entry, params: null };
  const params = entry && entry.params && Object.keys(entry.params).length ? entry.params : null;
  return { context: entry && entry.context, params };
}

/** Whether a handle's params hold every scoped key with an equal value (INV-12). */
function scopeMatches(handleParams, scope) {
  if (!scope) return true;
  for (const key of Object.keys(scope)) {
    if (!Object.prototype.hasOwnProperty.call(handleParams, key)) return false;
    if (normText(handleParams[key]) !== normText(scope[key])) return false;
  }
  return true;
}

/** The slot's new value (MRG-9): list-replace, upsert by `id`, or direct replace. */
function mergedSlot(current, value) {
  if (Array.isArray(value) || !Array.isArray(current)) return value;
  const id = value && typeof value === "object" ? value.id : undefined;
  const index = id === undefined ? -1 : current.findIndex((item) => item && typeof item === "object" && normText(item.id) === normText(id));
  if (index < 0) return [...current, value];
  const next = current.slice();
  next[index] = value;
  return next;
}

function isBlob(value) {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

function isUpload(value) {
  return isBlob(value) || (Array.isArray(value) && value.length > 0 && value.every(isBlob));
}

/** One context bundle for one set of params. */
class Handle {
  /**
   * @param {MizanClient} client
   * @param {string} name
   * @param {Params} params
   */
  constructor(client, name, params) {
    this._client = client;
    this.name = name;
    this.params = Object.freeze({ ...params });
    this._state = { status: "loading" };
    this._listeners = new Set();
    this._fresh = false; // data the server gave for the current generation (fetched or hydrated)
    this._seq = 0; // only the newest fetch may set the state
  }

  get() {
    return this._state;
  }

  subscribe(listener) {
    this._listeners.add(listener);
    if (this._listeners.size === 1 && !this._fresh) this._background();
    return () => {
      this._listeners.delete(listener);
    };
  }

  refetch() {
    const seq = ++this._seq;
    this._fresh = true;
    // No notification when nothing visible changes (a first fetch is already "loading").
    if (this._state.status !== "loading") this._set({ status: "loading", data: this._state.data });
    const url = `${this._client._base}/ctx/${encodeURIComponent(this.name)}/${queryString(this.params)}`;
    return this._client._request(url, { method: "GET" }).then(
      ({ body }) => {
        if (seq === this._seq) this._set({ status: "ready", data: body });
        return body;
      },
      (error) => {
        if (seq === this._seq) {
          this._fresh = false; // the next subscriber tries again
          this._set({ status: "error", data: this._state.data, error });
        }
        throw error;
      },
    );
  }

  /** A refetch nobody awaits: its failure is in the state and reported to onError. */
  _background() {
    this.refetch().catch(() => {});
  }

  /** Marks the data stale: refetched now when watched, on the next subscribe otherwise. */
  _invalidate() {
    this._fresh = false;
    if (this._listeners.size > 0) this._background();
  }

  _set(state) {
    this._state = state;
    for (const listener of [...this._listeners]) {
      try {
        listener(state);
      } catch (error) {
        queueMicrotask(() => {
          throw error; // a listener's bug surfaces as an uncaught error, not as ours
        });
      }
    }
  }
}

/** A Mizan client: RPC, contexts, invalidation, merge and the optional WebSocket. */
export class MizanClient {
  /** @param {ClientOptions} [options] */
  constructor(options = {}) {
    this._base = String(options.baseUrl ?? "/api/mizan").replace(/\/+$/, "");
    this._fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this._csrfCookie = options.csrfCookieName ?? "csrftoken";
    this._csrfHeader = options.csrfHeaderName ?? "X-CSRFToken";
    this._token = options.token ?? null;
    this._tabId = newTabId(); // one per client instance: its socket and its HTTP requests
    this._timeoutMs = options.timeoutMs ?? 30000;
    this._timers = options.timers ?? globalThis;
    this._random = options.random ?? Math.random;
    this._initialDelay = options.reconnect?.initialDelayMs ?? 250;
    this._maxDelay = options.reconnect?.maxDelayMs ?? 10000;
    this._ssr = options.ssrData !== undefined ? options.ssrData : (globalThis.__MIZAN_SSR_DATA__ ?? null);
    this._ssrUsed = new Set(); // context names that consumed their SSR data
    this._csrfToken = null;
    this._session = null; // the promise of the one bootstrap GET /session/
    /** @type {Map<string, Handle>} */
    this._handles = new Map();
    this._pending = new Set(); // handles invalidated in the current microtask
    this._flushQueued = false;
    this._errorListeners = new Set();
    this._statusListeners = new Set();
    this._status = /** @type {ConnectionStatus} */ ("idle");
    this._closed = false;
    // WebSocket state: the socket, frames awaiting a reply by id, channels by (name, params).
    this._socket = null;
    this._SocketClass = null;
    this._nextId = 1;
    this._replies = new Map();
    this._channels = new Map();
    this._attempt = 0;
    this._reconnectTimer = null;
    this._opened = false; // whether the socket was ever open (a reopen refetches contexts)
    if (options.websocket) this._startSocket(options.websocket);
  }

  // --- HTTP ---------------------------------------------------------------------------

  session() {
    if (!this._session) {
      this._session = this._request(`${this._base}/session/`, { method: "GET" }).then(
        ({ body }) => {
          this._csrfToken = typeof body.csrfToken === "string" ? body.csrfToken : null;
          return { csrfToken: this._csrfToken };
        },
        (error) => {
          this._session = null; // the next unsafe call tries again
          throw error;
        },
      );
    }
    return this._session;
  }

  /** The CSRF cookie when the page can read it. */
  _cookieToken() {
    const cookie = globalThis.document?.cookie;
    if (typeof cookie !== "string") return null;
    for (const part of cookie.split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === this._csrfCookie) return decodeURIComponent(part.slice(eq + 1).trim());
    }
    return null;
  }

  _headers(extra) {
    const headers = { Accept: "application/json", ...extra };
    if (this._token) headers["X-Mizan-Token"] = this._token;
    // Same-origin requests (credentials "same-origin"): a custom header costs no preflight.
    headers[TAB_HEADER] = this._tabId;
    return headers;
  }

  /**
   * One request: resolves `{body, response}` for a 2xx JSON object, rejects with a
   * MizanError otherwise (also reported to onError). Never outlives `timeoutMs`.
   */
  _request(url, init, report = true) {
    const controller = typeof AbortController !== "undefined" ? new AbortController() : null;
    let timer = null;
    const timeout = new Promise((_, reject) => {
      timer = this._timers.setTimeout(() => {
        controller?.abort();
        reject(new MizanError("TIMEOUT", `No answer within ${this._timeoutMs} ms`, 0));
      }, this._timeoutMs);
    });
    const exchange = (async () => {
      let response;
      try {
        response = await this._fetch(url, {
          ...init,
          headers: this._headers(init.headers),
          credentials: "same-origin",
          signal: controller?.signal,
        });
      } catch (error) {
        throw new MizanError("NETWORK_ERROR", `Request failed: ${error?.message ?? error}`, 0);
      }
      let body;
      try {
        body = JSON.parse(await response.text());
      } catch {
        body = undefined;
      }
      if (response.ok && body && typeof body === "object" && !Array.isArray(body)) return { body, response };
      const envelope = body && typeof body === "object" ? body.error : undefined;
      if (!response.ok && envelope && typeof envelope.code === "string") {
        throw new MizanError(envelope.code, String(envelope.message ?? envelope.code), response.status, envelope.details);
      }
      throw new MizanError("BAD_RESPONSE", `Unexpected reply (HTTP ${response.status})`, response.status);
    })();
    return Promise.race([exchange, timeout]).then(
      (value) => {
        this._timers.clearTimeout(timer);
        return value;
      },
      (error) => {
        this._timers.clearTimeout(timer);
        throw report ? this._report(error) : error;
      },
    );
  }

  /** Tells every onError listener, once per error object, and returns the error. */
  _report(error) {
    if (!(error instanceof MizanError)) error = new MizanError("BAD_RESPONSE", String(error?.message ?? error), 0);
    if (error._reported) return error;
    Object.defineProperty(error, "_reported", { value: true });
    for (const listener of [...this._errorListeners]) {
      try {
        listener(error);
      } catch {
        // a failing listener must not stop the others
      }
    }
    return error;
  }

  async call(fn, args = {}, options = {}) {
    args = args ?? {};
    const uploads = Object.keys(args).filter((key) => isUpload(args[key]));
    // Uploads never go over the socket (WS-10); a socket that is not open falls back to HTTP.
    if (options.transport === "ws" && uploads.length === 0 && this._socketOpen()) {
      const reply = await this._send({ action: "rpc", fn, args });
      this._applyReply(reply, null);
      return reply.result;
    }
    if (!this._cookieToken() && this._csrfToken === null) await this.session();
    const post = () => this._post(fn, args, uploads, false);
    let reply;
    try {
      reply = await post();
    } catch (error) {
      // A token from the session reply goes stale when the server rotates it (Django does
      // at login) and the page cannot read the cookie: fetch a fresh one and try once more.
      // The function did not run, so the retry cannot run it twice.
      if (error.code !== "FORBIDDEN" || this._cookieToken() || !this._csrfToken || !/CSRF/.test(error.message)) {
        throw this._report(error);
      }
      this._session = null;
      this._csrfToken = null;
      await this.session();
      reply = await this._post(fn, args, uploads, true);
    }
    this._applyReply(reply.body, reply.response.headers?.get?.("X-Mizan-Invalidate") ?? null);
    return reply.body.result;
  }

  /** One POST of a call: JSON, or multipart when `uploads` names file arguments. */
  _post(fn, args, uploads, report) {
    const csrf = this._cookieToken() ?? this._csrfToken;
    const headers = csrf ? { [this._csrfHeader]: csrf } : {};
    let body;
    if (uploads.length) {
      // UPL-2: `fn`, `args` (the JSON of the other arguments), one part per file.
      body = new FormData();
      body.append("fn", fn);
      const rest = {};
      for (const key of Object.keys(args)) if (!uploads.includes(key)) rest[key] = args[key];
      body.append("args", JSON.stringify(rest));
      for (const key of uploads) {
        for (const file of [].concat(args[key])) body.append(key, file, file.name || key);
      }
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify({ fn, args });
    }
    return this._request(`${this._base}/call/`, { method: "POST", headers, body }, report);
  }

  /** Merge first (no request), then one batch for the body's and the header's entries. */
  _applyReply(reply, header) {
    if (Array.isArray(reply.merge)) this.applyMerge(reply.merge);
    const entries = Array.isArray(reply.invalidate) ? [...reply.invalidate] : [];
    if (header) entries.push(...parseInvalidateHeader(header));
    if (entries.length) this.applyInvalidation(entries);
  }

  // --- contexts -----------------------------------------------------------------------

  context(name, params = {}, members = undefined) {
    params = params ?? {};
    const key = paramsKey(name, params);
    let handle = this._handles.get(key);
    if (!handle) {
      handle = new Handle(this, name, params);
      this._hydrate(handle, members);
      this._handles.set(key, handle);
    }
    return handle;
  }

  /** SSR-4: a handle whose every member is in the SSR data starts ready, without a fetch. */
  _hydrate(handle, members) {
    const ssr = this._ssr;
    if (!ssr || !members || !members.length || this._ssrUsed.has(handle.name)) return;
    if (!members.every((member) => Object.prototype.hasOwnProperty.call(ssr, member))) return;
    const data = {};
    for (const member of members) data[member] = ssr[member];
    this._ssrUsed.add(handle.name); // the page rendered one params set per context
    handle._state = { status: "ready", data };
    handle._fresh = true;
  }

  /** The cached handles of `context` whose params match the scope. */
  *_matching(context, scope) {
    for (const handle of this._handles.values()) {
      if (handle.name === context && scopeMatches(handle.params, scope)) yield handle;
    }
  }

  applyInvalidation(entries) {
    for (const entry of entries || []) {
      const { context, params } = targetOf(entry);
      for (const handle of this._matching(context, params)) this._pending.add(handle);
    }
    if (this._pending.size && !this._flushQueued) {
      // Everything invalidated in this microtask (a body and its header, a frame) is one
      // batch: each handle refetches once.
      this._flushQueued = true;
      queueMicrotask(() => {
        this._flushQueued = false;
        const batch = [...this._pending];
        this._pending.clear();
        if (this._closed) return;
        for (const handle of batch) handle._invalidate();
      });
    }
  }

  applyMerge(entries) {
    for (const entry of entries || []) {
      const { context, params } = targetOf(entry);
      for (const handle of this._matching(context, params)) {
        const data = handle._state.data;
        if (!data || typeof data !== "object") continue; // nothing cached to splice into
        const next = { ...data, [entry.slot]: mergedSlot(data[entry.slot], entry.value) };
        handle._set({ ...handle._state, data: next });
      }
    }
  }

  // --- WebSocket ----------------------------------------------------------------------

  /** This client's tab id: on its socket's URL (`?tab=`) and every HTTP request (`X-Mizan-Tab`). */
  get tabId() {
    return this._tabId;
  }

  get connectionStatus() {
    return this._status;
  }

  onConnectionChange(listener) {
    this._statusListeners.add(listener);
    return () => this._statusListeners.delete(listener);
  }

  onError(listener) {
    this._errorListeners.add(listener);
    return () => this._errorListeners.delete(listener);
  }

  _setStatus(status) {
    if (this._status === status) return;
    this._status = status;
    for (const listener of [...this._statusListeners]) {
      try {
        listener(status);
      } catch {
        // a failing listener must not stop the others
      }
    }
  }

  _startSocket(option) {
    const config = typeof option === "object" ? option : {};
    this._SocketClass = config.WebSocket ?? globalThis.WebSocket;
    // The tab id rides on the URL: a browser's WebSocket cannot send headers.
    this._socketUrl = withTab(config.url ?? this._defaultSocketUrl(), this._tabId);
    if (typeof this._SocketClass !== "function") {
      this._SocketClass = null;
      this._setStatus("closed");
      this._report(new MizanError("SOCKET_CLOSED", "No WebSocket implementation in this environment", 0));
      return;
    }
    this._connect();
  }

  /** `<base>/ws/` on the page's origin, ws: or wss: as the page is http: or https:. */
  _defaultSocketUrl() {
    const base = `${this._base}/ws/`;
    if (/^https?:/i.test(base)) return base.replace(/^http/i, "ws");
    const location = globalThis.location;
    if (!location) return base;
    return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${base}`;
  }

  _socketOpen() {
    return this._socket !== null && this._socket.readyState === SOCKET_OPEN;
  }

  _connect() {
    if (this._closed) return;
    this._setStatus(this._opened ? "reconnecting" : "connecting");
    let socket;
    try {
      socket = new this._SocketClass(this._socketUrl);
    } catch (error) {
      this._report(new MizanError("SOCKET_CLOSED", `WebSocket failed: ${error?.message ?? error}`, 0));
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.onopen = () => this._onOpen(socket);
    socket.onmessage = (event) => this._onFrame(event.data);
    socket.onclose = () => this._onDrop(socket);
    socket.onerror = () => {}; // a close event follows; the drop is handled there
  }

  async _onOpen(socket) {
    if (socket !== this._socket) return;
    const reopened = this._opened;
    this._opened = true;
    this._attempt = 0;
    this._setStatus("open");
    try {
      if (this._token) await this._send({ action: "auth", token: this._token });
      for (const entry of this._channels.values()) this._subscribeFrame(entry);
    } catch {
      // already reported; the socket dropped or refused the token
    }
    if (reopened) {
      // Pushes may have been missed while the socket was down.
      for (const handle of this._handles.values()) this._pending.add(handle);
      this.applyInvalidation([]);
    }
  }

  _onFrame(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      this._report(new MizanError("BAD_RESPONSE", "Unreadable WebSocket frame", 0));
      return;
    }
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "invalidate") {
      this.applyInvalidation(frame.invalidate);
    } else if (frame.type === "message") {
      const entry = this._channels.get(paramsKey(frame.channel, frame.params));
      for (const listener of entry ? [...entry.listeners] : []) {
        try {
          listener(frame.message);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    } else if (this._replies.has(frame.id)) {
      const { resolve, reject } = this._replies.get(frame.id);
      this._replies.delete(frame.id);
      if (frame.error) {
        const { code, message, details } = frame.error;
        reject(this._report(new MizanError(String(code), String(message ?? code), 0, details)));
      } else {
        resolve(frame);
      }
    }
  }

  /** Send a frame with a fresh id; resolves with its reply frame (WS-6: many in flight). */
  _send(frame) {
    if (!this._socketOpen()) {
      return Promise.reject(this._report(new MizanError("SOCKET_CLOSED", "The WebSocket is not open", 0)));
    }
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      // A reply that never comes fails like an HTTP request that never answers.
      const timer = this._timers.setTimeout(() => {
        this._replies.delete(id);
        reject(this._report(new MizanError("TIMEOUT", `No reply within ${this._timeoutMs} ms`, 0)));
      }, this._timeoutMs);
      const settle = (fn) => (value) => {
        this._timers.clearTimeout(timer);
        fn(value);
      };
      this._replies.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this._socket.send(JSON.stringify({ ...frame, id }));
    });
  }

  _onDrop(socket) {
    if (socket !== this._socket) return;
    this._socket = null;
    const replies = [...this._replies.values()];
    this._replies.clear();
    for (const { reject } of replies) {
      reject(this._report(new MizanError("SOCKET_CLOSED", "The WebSocket closed before the reply", 0)));
    }
    if (this._closed) return;
    this._setStatus("reconnecting");
    this._scheduleReconnect();
  }

  /** Exponential back-off with jitter: the delay doubles per attempt up to the cap. */
  _scheduleReconnect() {
    if (this._closed) return;
    const ceiling = Math.min(this._maxDelay, this._initialDelay * 2 ** this._attempt);
    const delay = ceiling / 2 + (this._random() * ceiling) / 2;
    this._attempt += 1;
    this._reconnectTimer = this._timers.setTimeout(() => {
      this._reconnectTimer = null;
      this._connect();
    }, delay);
  }

  /** Sends the subscribe frame of a channel entry; its first answer settles `entry.ready`. */
  _subscribeFrame(entry) {
    this._send({ action: "subscribe", channel: entry.name, params: entry.params }).then(
      () => entry.settle(null),
      (error) => {
        if (error.code === "SOCKET_CLOSED") return; // subscribed again on the next open
        if (this._channels.get(entry.key) === entry) this._channels.delete(entry.key);
        entry.settle(error);
      },
    );
  }

  async channel(name, params, onMessage) {
    params = params ?? {};
    if (!this._SocketClass || this._closed) {
      throw this._report(new MizanError("SOCKET_CLOSED", "Channels need the WebSocket (the websocket option)", 0));
    }
    const key = paramsKey(name, params);
    let entry = this._channels.get(key);
    if (!entry) {
      // One subscribe per (channel, params), sent now or when the socket opens.
      entry = { key, name, params, listeners: new Set() };
      entry.ready = new Promise((resolve, reject) => {
        entry.settle = (error) => (error ? reject(error) : resolve());
      });
      this._channels.set(key, entry);
      if (this._socketOpen()) this._subscribeFrame(entry);
    }
    entry.listeners.add(onMessage);
    try {
      await entry.ready;
    } catch (error) {
      entry.listeners.delete(onMessage);
      throw error;
    }
    return {
      send: (message) => this._send({ action: "send", channel: name, params, message }).then(() => undefined),
      unsubscribe: async () => {
        entry.listeners.delete(onMessage);
        if (entry.listeners.size || this._channels.get(key) !== entry) return;
        this._channels.delete(key);
        if (this._socketOpen()) await this._send({ action: "unsubscribe", channel: name, params });
      },
    };
  }

  async authenticate(token) {
    this._token = token ?? null;
    if (this._socketOpen()) {
      if (this._token) await this._send({ action: "auth", token: this._token });
      else this._socket.close(); // the socket cannot drop a token: reconnect as the session
    }
    // Every bundle belonged to the previous identity.
    for (const handle of this._handles.values()) this._pending.add(handle);
    this.applyInvalidation([]);
  }

  close() {
    this._closed = true;
    if (this._reconnectTimer !== null) this._timers.clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    const socket = this._socket;
    if (socket) {
      this._onDrop(socket);
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
    if (this._status !== "idle") this._setStatus("closed");
  }
}

/** @param {ClientOptions} [options] */
export function createClient(options) {
  return new MizanClient(options);
}
