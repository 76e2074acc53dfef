// Test doubles injected through the client's options: a scripted fetch that records every
// request, timers that only advance when told, and a WebSocket the test opens, feeds and drops.

/** A JSON response as the server writes it. */
export function json(body, { status = 200, headers = {} } = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/**
 * A fetch answering with `route(request)`; `requests` holds `{url, path, query, method,
 * headers, body, init}` for each call (headers lower-cased).
 */
export function fakeFetch(route) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const parsed = new URL(url, "http://page.test");
    const headers = {};
    for (const [key, value] of Object.entries(init.headers || {})) headers[key.toLowerCase()] = value;
    const request = {
      url,
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      method: init.method || "GET",
      headers,
      body: init.body,
      init,
    };
    requests.push(request);
    return route(request);
  };
  fetch.requests = requests;
  fetch.count = (path) => requests.filter((r) => r.path === path).length;
  return fetch;
}

/** setTimeout/clearTimeout on a clock that moves only through `advance`. */
export class FakeTimers {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.now + ms, ms, fn });
      return id;
    };
    this.clearTimeout = (id) => {
      this.timers.delete(id);
    };
  }

  /** The delays of the timers still pending, in creation order. */
  delays() {
    return [...this.timers.values()].map((t) => t.ms);
  }

  /** Move the clock and run every timer that came due, in time order. */
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at);
      if (!due.length) break;
      const [id, timer] = due[0];
      this.timers.delete(id);
      this.now = timer.at;
      timer.fn();
    }
    this.now = end;
  }
}

/** A WebSocket class whose instances the test drives; `FakeSocket.all` lists them. */
export function fakeSocketClass() {
  class FakeSocket {
    static all = [];
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.closed = false;
      FakeSocket.all.push(this);
    }
    send(text) {
      if (this.readyState !== 1) throw new Error("send on a socket that is not open");
      this.sent.push(JSON.parse(text));
    }
    close() {
      if (this.closed) return;
      this.closed = true;
      this.readyState = 3;
      this.onclose?.({ code: 1000 });
    }
    // --- the test's side ---
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    receive(frame) {
      this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
    }
    drop() {
      this.closed = true;
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006 });
    }
    /** The frames sent with `action`. */
    frames(action) {
      return this.sent.filter((f) => f.action === action);
    }
  }
  return FakeSocket;
}

/** Let queued microtasks and promise chains run. */
export async function settle(rounds = 10) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
