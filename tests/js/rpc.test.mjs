// RPC over HTTP: the session/CSRF bootstrap, request shape, the error objects, multipart.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { MizanError, createClient } from "../../mizan/static/mizan/client.js";
import { FakeTimers, fakeFetch, json } from "./fakes.mjs";

const SESSION = "/api/mizan/session/";
const CALL = "/api/mizan/call/";

afterEach(() => {
  delete globalThis.document;
});

/** A server with a session endpoint handing out `tok-1` and `/call/` answering `answer`. */
function server(answer) {
  return fakeFetch((request) => {
    if (request.path === SESSION) return json({ csrfToken: "tok-1" });
    return answer(request);
  });
}

test("the first unsafe call fetches the session once and sends its token", async () => {
  const fetch = server((request) => json({ result: JSON.parse(request.body).args.n * 2 }));
  const client = createClient({ fetch });
  const results = await Promise.all([client.call("double", { n: 1 }), client.call("double", { n: 2 })]);
  assert.deepEqual(results, [2, 4]);
  await client.call("double", { n: 3 });
  assert.equal(fetch.count(SESSION), 1);
  const calls = fetch.requests.filter((r) => r.path === CALL);
  assert.equal(calls.length, 3);
  for (const call of calls) {
    assert.equal(call.method, "POST");
    assert.equal(call.headers["x-csrftoken"], "tok-1");
    assert.equal(call.headers["content-type"], "application/json");
    assert.equal(call.init.credentials, "same-origin");
    assert.equal(call.headers["x-mizan-token"], undefined);
  }
  assert.deepEqual(JSON.parse(calls[0].body), { fn: "double", args: { n: 1 } });
});

test("a readable CSRF cookie is sent and no session request is made", async () => {
  globalThis.document = { cookie: "theme=dark; csrftoken=from-cookie; other=1" };
  const fetch = server(() => json({ result: "ok" }));
  const client = createClient({ fetch, baseUrl: "/rpc/" });
  assert.equal(await client.call("ping"), "ok");
  assert.equal(fetch.requests.length, 1);
  assert.equal(fetch.requests[0].path, "/rpc/call/");
  assert.equal(fetch.requests[0].headers["x-csrftoken"], "from-cookie");
});

test("the cookie and header names are options, and a token travels as X-Mizan-Token", async () => {
  globalThis.document = { cookie: "xsrf=c1" };
  const fetch = server(() => json({ result: null }));
  const client = createClient({ fetch, csrfCookieName: "xsrf", csrfHeaderName: "X-XSRF", token: "mwt.abc" });
  await client.call("ping", {});
  assert.equal(fetch.requests[0].headers["x-xsrf"], "c1");
  assert.equal(fetch.requests[0].headers["x-mizan-token"], "mwt.abc");
  await client.authenticate(null);
  await client.call("ping", {});
  assert.equal(fetch.requests[1].headers["x-mizan-token"], undefined);
});

test("a session with no CSRF token (FastAPI) sends no CSRF header and is asked once", async () => {
  const fetch = fakeFetch((request) =>
    request.path === SESSION ? json({ csrfToken: null }) : json({ result: 1 }),
  );
  const client = createClient({ fetch });
  await client.call("a");
  await client.call("b");
  assert.equal(fetch.count(SESSION), 1);
  assert.equal(fetch.requests[1].headers["x-csrftoken"], undefined);
});

/** Calls `fn` on a client whose `/call/` answers `response`; returns the rejection and onError reports. */
async function failure(respond, options = {}) {
  const fetch = server(respond);
  const client = createClient({ fetch, ...options });
  const reported = [];
  client.onError((error) => reported.push(error));
  const promise = client.call("f", { a: 1 });
  if (options.timers) {
    await new Promise((resolve) => setImmediate(resolve));
    options.timers.advance(options.timeoutMs);
  }
  const error = await promise.then(
    () => assert.fail("the call resolved"),
    (error) => error,
  );
  assert.ok(error instanceof MizanError);
  assert.ok(error instanceof Error);
  assert.deepEqual(reported, [error]);
  return error;
}

test("a 4xx envelope becomes a MizanError with code, message, status and details", async () => {
  const details = { fields: { a: ["Field required"] } };
  const error = await failure(() =>
    json({ error: { code: "VALIDATION_ERROR", message: "Input validation failed", details } }, { status: 422 }),
  );
  assert.equal(error.code, "VALIDATION_ERROR");
  assert.equal(error.message, "Input validation failed");
  assert.equal(error.status, 422);
  assert.deepEqual(error.details, details);
  assert.equal(error.name, "MizanError");
});

test("a 5xx envelope keeps the server's code and has no details", async () => {
  const error = await failure(() =>
    json({ error: { code: "INTERNAL_ERROR", message: "Internal server error" } }, { status: 500 }),
  );
  assert.equal(error.code, "INTERNAL_ERROR");
  assert.equal(error.status, 500);
  assert.equal(error.details, undefined);
});

test("a reply that is not the JSON envelope is BAD_RESPONSE with its status", async () => {
  const html = await failure(() => new Response("<h1>Server Error</h1>", { status: 502 }));
  assert.equal(html.code, "BAD_RESPONSE");
  assert.equal(html.status, 502);
  const okText = await failure(() => new Response("plain", { status: 200 }));
  assert.deepEqual([okText.code, okText.status], ["BAD_RESPONSE", 200]);
  const noCode = await failure(() => json({ detail: "Not Found" }, { status: 404 }));
  assert.deepEqual([noCode.code, noCode.status], ["BAD_RESPONSE", 404]);
});

test("a rejected fetch is NETWORK_ERROR with status 0", async () => {
  const error = await failure(() => Promise.reject(new TypeError("Failed to fetch")));
  assert.equal(error.code, "NETWORK_ERROR");
  assert.equal(error.status, 0);
  assert.match(error.message, /Failed to fetch/);
});

test("a request that never answers fails with TIMEOUT and aborts the fetch", async () => {
  const timers = new FakeTimers();
  let signal;
  const error = await failure(
    (request) => {
      signal = request.init.signal;
      return new Promise(() => {}); // a server that never answers
    },
    { timers, timeoutMs: 5000 },
  );
  assert.equal(error.code, "TIMEOUT");
  assert.equal(error.status, 0);
  assert.equal(signal.aborted, true);
  assert.deepEqual(timers.delays(), []);
});

test("a finished request leaves no timer behind", async () => {
  const timers = new FakeTimers();
  const client = createClient({ fetch: server(() => json({ result: 1 })), timers });
  await client.call("f");
  assert.deepEqual(timers.delays(), []);
});

test("File and Blob arguments send multipart: fn, args without the files, one part per file", async () => {
  const fetch = server(() => json({ result: { id: 7 } }));
  const client = createClient({ fetch });
  const photo = new File(["abc"], "photo.png", { type: "image/png" });
  const pages = [new File(["1"], "p1.txt"), new File(["22"], "p2.txt")];
  const blob = new Blob(["raw"]);
  const result = await client.call("attach", { task_id: 3, photo, pages, raw: blob, tags: ["x"] });
  assert.deepEqual(result, { id: 7 });
  const request = fetch.requests.find((r) => r.path === CALL);
  assert.ok(request.body instanceof FormData);
  assert.equal(request.headers["content-type"], undefined); // fetch writes the boundary
  assert.equal(request.headers["x-csrftoken"], "tok-1");
  const form = request.body;
  assert.equal(form.get("fn"), "attach");
  assert.deepEqual(JSON.parse(form.get("args")), { task_id: 3, tags: ["x"] });
  assert.equal(form.get("photo").name, "photo.png");
  assert.equal(await form.get("photo").text(), "abc");
  assert.deepEqual(
    form.getAll("pages").map((f) => f.name),
    ["p1.txt", "p2.txt"],
  );
  assert.equal(await form.get("raw").text(), "raw");
  assert.deepEqual([...form.keys()].sort(), ["args", "fn", "pages", "pages", "photo", "raw"]);
});

test("a failed session bootstrap fails the call and is retried by the next one", async () => {
  let sessionUp = false;
  const fetch = fakeFetch((request) => {
    if (request.path === SESSION) return sessionUp ? json({ csrfToken: "t" }) : Promise.reject(new Error("down"));
    return json({ result: "ok" });
  });
  const client = createClient({ fetch });
  await assert.rejects(client.call("f"), { code: "NETWORK_ERROR" });
  sessionUp = true;
  assert.equal(await client.call("f"), "ok");
  assert.equal(fetch.count(SESSION), 2);
});
