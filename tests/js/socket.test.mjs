// The WebSocket transport: status, rpc correlation, auth, channels, pushed invalidation,
// and a drop: SOCKET_CLOSED, reconnect with back-off, re-auth, resubscribe, refetch.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { createClient } from "../../mizan/static/mizan/client.js";
import { FakeTimers, fakeFetch, fakeSocketClass, json, settle } from "./fakes.mjs";

afterEach(() => {
  delete globalThis.location;
});

function setup(options = {}) {
  const WebSocket = fakeSocketClass();
  const timers = new FakeTimers();
  const fetch = fakeFetch((request) => {
    if (request.path === "/api/mizan/session/") return json({ csrfToken: "t" });
    if (request.path.startsWith("/api/mizan/ctx/")) return json({ notes: request.query });
    return json({ result: "over http" });
  });
  const client = createClient({
    fetch,
    timers,
    random: () => 1, // the top of the jitter range: delays are exactly the back-off
    websocket: { url: "ws://server.test/api/mizan/ws/", WebSocket },
    ...options,
  });
  const statuses = [];
  client.onConnectionChange((status) => statuses.push(status));
  const errors = [];
  client.onError((error) => errors.push(error.code));
  return { client, fetch, timers, WebSocket, statuses, errors, socket: () => WebSocket.all.at(-1) };
}

test("without the websocket option the status is idle and channels fail with SOCKET_CLOSED", async () => {
  const client = createClient({ fetch: fakeFetch(() => json({})) });
  assert.equal(client.connectionStatus, "idle");
  await assert.rejects(client.channel("chat", { list_id: 1 }, () => {}), { code: "SOCKET_CLOSED" });
});

test("websocket: true opens <base>/ws/ on the page's origin, wss: for https:", () => {
  globalThis.location = { protocol: "https:", host: "app.test:8443" };
  const WebSocket = fakeSocketClass();
  const client = createClient({ websocket: { WebSocket }, baseUrl: "/mount" });
  assert.equal(WebSocket.all[0].url, `wss://app.test:8443/mount/ws/?tab=${client.tabId}`);
  assert.equal(client.connectionStatus, "connecting");
  globalThis.location = { protocol: "http:", host: "localhost:8000" };
  const second = createClient({ websocket: { WebSocket } });
  assert.equal(WebSocket.all[1].url, `ws://localhost:8000/api/mizan/ws/?tab=${second.tabId}`);
  const third = createClient({ websocket: { WebSocket }, baseUrl: "https://api.test/m/" });
  assert.equal(WebSocket.all[2].url, `wss://api.test/m/ws/?tab=${third.tabId}`);
});

test("the tab id (WS-9) is on the socket URL, every HTTP request and every reconnect, one per client", async () => {
  const WebSocket = fakeSocketClass();
  const timers = new FakeTimers();
  const fetch = fakeFetch((request) => json(request.path.endsWith("/session/") ? { csrfToken: "t" } : { result: 1 }));
  const client = createClient({ fetch, timers, random: () => 0, websocket: { url: "ws://s.test/ws/?v=2", WebSocket } });
  const tab = client.tabId;
  assert.match(tab, /^[A-Za-z0-9_-]{1,64}$/);
  assert.equal(WebSocket.all[0].url, `ws://s.test/ws/?v=2&tab=${tab}`); // a URL with a query gets `&`
  await client.call("f", {});
  client.context("c").refetch().catch(() => {});
  await settle();
  assert.deepEqual(
    fetch.requests.map((r) => [r.path, r.headers["x-mizan-tab"]]),
    [
      ["/api/mizan/session/", tab],
      ["/api/mizan/call/", tab],
      ["/api/mizan/ctx/c/", tab],
    ],
  );
  WebSocket.all[0].open();
  WebSocket.all[0].drop();
  timers.advance(10000);
  assert.equal(WebSocket.all.length, 2);
  assert.equal(WebSocket.all[1].url, WebSocket.all[0].url); // the same tab after a reconnect
  const other = createClient({ fetch });
  assert.notEqual(other.tabId, tab);
  client.close();
});

test("without crypto.randomUUID the tab id is 32 hex digits", () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  const real = globalThis.crypto;
  const getRandomValues = (bytes) => real.getRandomValues(bytes);
  Object.defineProperty(globalThis, "crypto", { value: { getRandomValues }, configurable: true });
  try {
    const ids = [createClient().tabId, createClient().tabId];
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(ids[0], ids[1]);
    Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    assert.match(createClient().tabId, /^[0-9a-f]{32}$/); // Math.random as the last resort
  } finally {
    Object.defineProperty(globalThis, "crypto", saved);
  }
});

test("rpc frames are correlated by id with several in flight, and apply invalidation and merge", async () => {
  const { client, socket, statuses, fetch } = setup();
  socket().open();
  assert.deepEqual(statuses, ["open"]); // "connecting" was the status before the listener
  const notes = client.context("notes", { note_id: 5 });
  notes.subscribe(() => {});
  await settle();
  const first = client.call("a", { x: 1 }, { transport: "ws" });
  const second = client.call("b", {}, { transport: "ws" });
  const [f1, f2] = socket().frames("rpc");
  assert.deepEqual({ ...f1, id: undefined }, { action: "rpc", fn: "a", args: { x: 1 }, id: undefined });
  assert.notEqual(f1.id, f2.id);
  socket().receive({ id: f2.id, result: "B" });
  socket().receive({
    id: f1.id,
    result: "A",
    invalidate: [{ context: "notes", params: { note_id: 5 } }],
    merge: [{ context: "notes", slot: "extra", value: 1 }],
  });
  assert.deepEqual(await Promise.all([first, second]), ["A", "B"]);
  assert.equal(notes.get().data.extra, 1);
  await settle();
  assert.equal(fetch.count("/api/mizan/ctx/notes/"), 2);
  assert.equal(fetch.count("/api/mizan/call/"), 0);
});

test("an rpc error frame rejects with its code and is reported", async () => {
  const { client, socket, errors } = setup();
  socket().open();
  const call = client.call("secret", {}, { transport: "ws" });
  const [frame] = socket().frames("rpc");
  socket().receive({ id: frame.id, error: { code: "FORBIDDEN", message: "Permission denied", details: { a: 1 } } });
  await assert.rejects(call, { code: "FORBIDDEN", message: "Permission denied", status: 0, details: { a: 1 } });
  assert.deepEqual(errors, ["FORBIDDEN"]);
});

test("transport ws falls back to HTTP when the socket is not open, and uploads always use HTTP", async () => {
  const { client, socket, fetch } = setup();
  assert.equal(await client.call("a", {}, { transport: "ws" }), "over http");
  socket().open();
  const file = new File(["x"], "x.txt");
  assert.equal(await client.call("upload", { file }, { transport: "ws" }), "over http");
  assert.equal(fetch.count("/api/mizan/call/"), 2);
  assert.deepEqual(socket().frames("rpc"), []);
});

test("an auth frame is sent on open when a token is set, and authenticate() sends a new one", async () => {
  const { client, socket } = setup({ token: "mwt.1" });
  socket().open();
  assert.deepEqual(
    socket().frames("auth").map((f) => f.token),
    ["mwt.1"],
  );
  socket().receive({ id: socket().frames("auth")[0].id, ok: true });
  const done = client.authenticate("mwt.2");
  const frame = socket().frames("auth")[1];
  assert.equal(frame.token, "mwt.2");
  socket().receive({ id: frame.id, ok: true });
  await done;
});

test("pushed invalidate frames refetch the matching subscribed contexts once per frame", async () => {
  const { client, socket, fetch } = setup();
  socket().open();
  const five = client.context("notes", { note_id: 5 });
  const six = client.context("notes", { note_id: 6 });
  five.subscribe(() => {});
  six.subscribe(() => {});
  await settle();
  socket().receive({
    type: "invalidate",
    invalidate: [
      { context: "notes", params: { note_id: 5 } },
      { context: "notes", function: "note", params: { note_id: 5 } },
    ],
  });
  await settle();
  assert.deepEqual(
    fetch.requests.filter((r) => r.path === "/api/mizan/ctx/notes/").map((r) => r.query.note_id),
    ["5", "6", "5"],
  );
});

test("channels: subscribe, deliveries routed by (channel, params), send, errors, unsubscribe", async () => {
  const { client, socket } = setup();
  socket().open();
  const got = { one: [], two: [] };
  const pending = client.channel("chat", { list_id: 1 }, (m) => got.one.push(m));
  const [sub] = socket().frames("subscribe");
  assert.deepEqual({ ...sub, id: 0 }, { action: "subscribe", channel: "chat", params: { list_id: 1 }, id: 0 });
  socket().receive({ id: sub.id, ok: true });
  const chat = await pending;
  const otherPending = client.channel("chat", { list_id: 2 }, (m) => got.two.push(m));
  socket().receive({ id: socket().frames("subscribe")[1].id, ok: true });
  await otherPending;

  socket().receive({ type: "message", channel: "chat", params: { list_id: 1 }, message: { user: "a", text: "hi" } });
  socket().receive({ type: "message", channel: "chat", params: { list_id: 2 }, message: { user: "b", text: "yo" } });
  socket().receive({ type: "message", channel: "other", params: { list_id: 1 }, message: { text: "no" } });
  assert.deepEqual(got, { one: [{ user: "a", text: "hi" }], two: [{ user: "b", text: "yo" }] });

  const sent = chat.send({ text: "hello" });
  const [send] = socket().frames("send");
  assert.deepEqual({ ...send, id: 0 }, { action: "send", channel: "chat", params: { list_id: 1 }, message: { text: "hello" }, id: 0 });
  socket().receive({ id: send.id, ok: true });
  assert.equal(await sent, undefined);

  const refused = client.channel("chat", { list_id: 3 }, () => {});
  socket().receive({ id: socket().frames("subscribe")[2].id, error: { code: "FORBIDDEN", message: "Permission denied" } });
  await assert.rejects(refused, { code: "FORBIDDEN" });

  const leaving = chat.unsubscribe();
  const [unsub] = socket().frames("unsubscribe");
  assert.deepEqual(unsub.params, { list_id: 1 });
  socket().receive({ id: unsub.id, ok: true });
  await leaving;
  socket().receive({ type: "message", channel: "chat", params: { list_id: 1 }, message: { text: "late" } });
  assert.equal(got.one.length, 1);
});

test("a channel asked for before the socket opens subscribes on open", async () => {
  const { client, socket } = setup();
  const pending = client.channel("chat", { list_id: 1 }, () => {});
  assert.deepEqual(socket().sent, []);
  socket().open();
  const [sub] = socket().frames("subscribe");
  socket().receive({ id: sub.id, ok: true });
  await pending;
});

test("a drop rejects in-flight calls with SOCKET_CLOSED, reconnects with back-off, re-auths, resubscribes, refetches", async () => {
  const { client, socket, timers, WebSocket, statuses, errors, fetch } = setup({
    token: "mwt.1",
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  });
  socket().open();
  socket().receive({ id: socket().frames("auth")[0].id, ok: true });
  await settle();
  const messages = [];
  const pending = client.channel("chat", { list_id: 1 }, (m) => messages.push(m));
  socket().receive({ id: socket().frames("subscribe")[0].id, ok: true });
  await pending;
  const notes = client.context("notes", { note_id: 1 });
  notes.subscribe(() => {});
  const idle = client.context("notes", { note_id: 2 }); // cached, nobody subscribed
  idle.subscribe(() => {})();
  await settle();
  const fetchedBefore = fetch.count("/api/mizan/ctx/notes/");

  const inFlight = client.call("slow", {}, { transport: "ws" });
  socket().drop();
  await assert.rejects(inFlight, { code: "SOCKET_CLOSED", status: 0 });
  assert.deepEqual(errors, ["SOCKET_CLOSED"]);
  assert.equal(client.connectionStatus, "reconnecting");

  // Attempts fail: the delays double up to the cap.
  const delays = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    delays.push(...timers.delays());
    timers.advance(timers.delays()[0]);
    assert.equal(WebSocket.all.length, attempt + 2);
    if (attempt < 5) socket().drop();
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.equal(statuses.filter((s) => s === "open").length, 1);

  socket().open();
  assert.equal(client.connectionStatus, "open");
  const [auth] = socket().frames("auth");
  assert.equal(auth.token, "mwt.1");
  assert.deepEqual(socket().frames("subscribe"), []); // after the auth reply
  socket().receive({ id: auth.id, ok: true });
  await settle();
  const [sub] = socket().frames("subscribe");
  assert.deepEqual([sub.channel, sub.params], ["chat", { list_id: 1 }]);
  socket().receive({ id: sub.id, ok: true });
  socket().receive({ type: "message", channel: "chat", params: { list_id: 1 }, message: { text: "back" } });
  assert.deepEqual(messages, [{ text: "back" }]);
  await settle();
  // The subscribed context refetched once; the idle one waits for a subscriber.
  assert.equal(fetch.count("/api/mizan/ctx/notes/"), fetchedBefore + 1);
  idle.subscribe(() => {});
  await settle();
  assert.equal(fetch.count("/api/mizan/ctx/notes/"), fetchedBefore + 2);
  // A successful open resets the back-off.
  socket().drop();
  assert.deepEqual(timers.delays(), [100]);
});

test("jitter spreads a delay over its upper half", () => {
  const { socket, timers } = setup({ random: () => 0, reconnect: { initialDelayMs: 400, maxDelayMs: 400 } });
  socket().open();
  socket().drop();
  assert.deepEqual(timers.delays(), [200]);
});

test("close() stops the socket, the reconnect timer and the status", async () => {
  const { client, socket, timers, WebSocket } = setup();
  socket().open();
  const call = client.call("x", {}, { transport: "ws" });
  client.close();
  await assert.rejects(call, { code: "SOCKET_CLOSED" });
  assert.equal(client.connectionStatus, "closed");
  assert.equal(socket().closed, true);
  assert.deepEqual(timers.delays(), []);
  timers.advance(60000);
  assert.equal(WebSocket.all.length, 1);

  const dropped = setup();
  dropped.socket().drop();
  assert.equal(dropped.timers.delays().length, 1);
  dropped.client.close();
  assert.deepEqual(dropped.timers.delays(), []);
  assert.equal(dropped.client.connectionStatus, "closed");
});

test("a socket reply that never comes fails with TIMEOUT; answered frames leave no timer", async () => {
  const { client, socket, timers, errors } = setup({ timeoutMs: 3000 });
  socket().open();
  const answered = client.call("a", {}, { transport: "ws" });
  socket().receive({ id: socket().frames("rpc")[0].id, result: 1 });
  assert.equal(await answered, 1);
  assert.deepEqual(timers.delays(), []);
  const lost = client.call("b", {}, { transport: "ws" });
  timers.advance(3000);
  await assert.rejects(lost, { code: "TIMEOUT", status: 0 });
  assert.deepEqual(errors, ["TIMEOUT"]);
  socket().receive({ id: socket().frames("rpc")[1].id, result: 2 }); // a late reply is ignored
});
