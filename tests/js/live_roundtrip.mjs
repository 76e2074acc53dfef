// Drives the browser runtime against a live server with Node's global fetch (run by
// tests/js/test_live.py): session, calls, a context, a mutation-driven refetch, errors.
// Prints one JSON object of what it saw; any failed expectation exits non-zero.
//
//   node live_roundtrip.mjs '{"base": "http://127.0.0.1:8000", "adapter": "django", "module": "/path/client.js"}'
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";

const { base, adapter, module } = JSON.parse(process.argv[2]);
const { createClient, MizanError } = await import(pathToFileURL(module).href);

/** Node's fetch keeps no cookies: this one keeps them per name, as a browser would for one site. */
function cookieFetch(extraHeaders = {}) {
  const jar = new Map();
  const log = [];
  const fetchWithCookies = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [key, value] of Object.entries(extraHeaders)) headers.set(key, value);
    if (jar.size) headers.set("Cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(url, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    log.push({ method: init.method ?? "GET", path: new URL(url).pathname + new URL(url).search, status: response.status });
    return response;
  };
  return { fetch: fetchWithCookies, jar, log };
}

const identity = adapter === "fastapi" ? { "X-Live-User": "alice" } : {};
const browser = cookieFetch(identity);
if (adapter === "django") {
  const login = await browser.fetch(`${base}/live-test/login/`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "username=alice",
  });
  assert.equal(login.status, 204);
}

const client = createClient({ baseUrl: `${base}/api/mizan`, fetch: browser.fetch, timeoutMs: 20000 });
const errors = [];
client.onError((error) => errors.push(error.code));
const seen = {};

seen.session = await client.session();
seen.csrfCookie = browser.jar.has("csrftoken");
seen.whoami = await client.call("whoami");

/** Resolves with the handle's data once its state is ready (or rejects on error). */
function ready(handle) {
  return new Promise((resolve, reject) => {
    const check = (state) => {
      if (state.status === "ready") resolve(state.data);
      if (state.status === "error") reject(state.error);
    };
    handle.subscribe(check);
    check(handle.get());
  });
}

const five = client.context("notes", { note_id: 5 });
const six = client.context("notes", { note_id: "6" });
seen.five = await ready(five);
seen.six = await ready(six);

const ctxRequests = (id) => browser.log.filter((r) => r.path === `/api/mizan/ctx/notes/?note_id=${id}`).length;
const before = { five: ctxRequests(5), six: ctxRequests(6) };
const refetched = new Promise((resolve) => {
  const stop = five.subscribe((state) => {
    if (state.status === "ready") {
      stop();
      resolve(state.data);
    }
  });
});
seen.touch = await client.call("touch_note", { note_id: 5 });
seen.afterTouch = await refetched;
await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong second refetch
seen.refetches = { five: ctxRequests(5) - before.five, six: ctxRequests(6) - before.six };

for (const [fn, args] of [
  ["no_such_function", {}],
  ["touch_note", { note_id: "five" }],
]) {
  try {
    await client.call(fn, args);
    seen[fn] = "resolved";
  } catch (error) {
    assert.ok(error instanceof MizanError);
    seen[fn === "touch_note" ? "invalid" : "unknown"] = { code: error.code, status: error.status, details: error.details };
  }
}
seen.errors = errors;
seen.sessionRequests = browser.log.filter((r) => r.path === "/api/mizan/session/").length;
client.close();
console.log(JSON.stringify(seen));
