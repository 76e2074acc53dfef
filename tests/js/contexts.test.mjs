// Contexts: handle identity, fetching, states, hydration, batched and scoped invalidation,
// the three merge kinds, and the X-Mizan-Invalidate parser.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { createClient, parseInvalidateHeader } from "../../mizan/static/mizan/client.js";
import { fakeFetch, json, settle } from "./fakes.mjs";

afterEach(() => {
  delete globalThis.__MIZAN_SSR_DATA__;
});

/**
 * A server whose bundle for `board` echoes its query and counts the fetches, and whose
 * `/call/` answers with `reply()` (body fields and headers).
 */
function boardServer(reply = () => ({ body: { result: null } })) {
  let version = 0;
  return fakeFetch((request) => {
    if (request.path === "/api/mizan/session/") return json({ csrfToken: "t" });
    if (request.path.startsWith("/api/mizan/ctx/")) {
      version += 1;
      return json({ board_tasks: [{ id: 1, title: `v${version}` }], query: request.query, version });
    }
    const { body, headers } = reply(request);
    return json(body, { headers });
  });
}

const ctxFetches = (fetch, name = "board") => fetch.requests.filter((r) => r.path === `/api/mizan/ctx/${name}/`);

test("the same name and params give the same handle, whatever the key order", () => {
  const client = createClient({ fetch: boardServer() });
  const a = client.context("board", { list_id: 1, page: 2 });
  assert.equal(client.context("board", { page: 2, list_id: 1 }), a);
  assert.notEqual(client.context("board", { list_id: 2, page: 2 }), a);
  assert.notEqual(client.context("lists", { list_id: 1, page: 2 }), a);
  assert.equal(client.context("lists"), client.context("lists", {}));
  assert.deepEqual(a.params, { list_id: 1, page: 2 });
});

test("the first subscriber fetches; params travel as query text; loading, ready, loading during a refetch", async () => {
  const fetch = boardServer();
  const client = createClient({ fetch });
  const handle = client.context("board", { list_id: 7, open: true, closed: false, ratio: 1.5, note: null });
  assert.deepEqual(handle.get(), { status: "loading" });
  assert.equal(fetch.requests.length, 0); // nothing before a subscriber
  const states = [];
  handle.subscribe((state) => states.push(state.status));
  handle.subscribe(() => {});
  await settle();
  const requests = ctxFetches(fetch);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].method, "GET");
  assert.equal(requests[0].url, "/api/mizan/ctx/board/?closed=false&list_id=7&open=true&ratio=1.5");
  assert.equal(requests[0].init.credentials, "same-origin");
  assert.equal(fetch.count("/api/mizan/session/"), 0); // a GET needs no CSRF bootstrap
  assert.deepEqual(states, ["ready"]); // it was "loading" already: no notification for that
  client.applyInvalidation(["board"]);
  await settle();
  assert.deepEqual(states, ["ready", "loading", "ready"]);
  assert.equal(handle.get().data.version, 2);
});

test("a failed fetch gives the error state with the MizanError and reports it", async () => {
  const fetch = fakeFetch(() => json({ error: { code: "NOT_FOUND", message: "Context 'nope' not found" } }, { status: 404 }));
  const client = createClient({ fetch });
  const reported = [];
  client.onError((error) => reported.push(error.code));
  const handle = client.context("nope");
  handle.subscribe(() => {});
  await settle();
  const state = handle.get();
  assert.equal(state.status, "error");
  assert.equal(state.error.code, "NOT_FOUND");
  assert.equal(state.error.status, 404);
  assert.deepEqual(reported, ["NOT_FOUND"]);
  await assert.rejects(handle.refetch(), { code: "NOT_FOUND" });
});

test("hydration: a handle whose members are all in the SSR data starts ready and skips its first fetch", async () => {
  globalThis.__MIZAN_SSR_DATA__ = { board_tasks: [{ id: 1, title: "ssr" }], board_summary: { open: 1 }, other: 1 };
  const fetch = boardServer();
  const client = createClient({ fetch });
  const handle = client.context("board", { list_id: 1 }, ["board_tasks", "board_summary"]);
  assert.deepEqual(handle.get(), {
    status: "ready",
    data: { board_tasks: [{ id: 1, title: "ssr" }], board_summary: { open: 1 } },
  });
  handle.subscribe(() => {});
  await settle();
  assert.equal(ctxFetches(fetch).length, 0);
  // An invalidation still refetches it.
  client.applyInvalidation(["board"]);
  await settle();
  assert.equal(ctxFetches(fetch).length, 1);
  assert.equal(handle.get().data.version, 1);
});

test("hydration needs every member, and the ssrData option overrides the global", async () => {
  globalThis.__MIZAN_SSR_DATA__ = { board_tasks: [] };
  const fetch = boardServer();
  const partial = createClient({ fetch }).context("board", { list_id: 1 }, ["board_tasks", "board_summary"]);
  assert.equal(partial.get().status, "loading");
  const optionClient = createClient({ fetch, ssrData: { my_lists: [{ id: 3 }] } });
  assert.deepEqual(optionClient.context("lists", {}, ["my_lists"]).get().data, { my_lists: [{ id: 3 }] });
  const none = createClient({ fetch, ssrData: null }).context("board", { list_id: 1 }, ["board_tasks"]);
  assert.equal(none.get().status, "loading");
});

test("one mutation invalidating by body and header refetches each affected handle exactly once", async () => {
  const fetch = boardServer(() => ({
    body: {
      result: { id: 9 },
      invalidate: [{ context: "board", params: { list_id: 1 } }, "lists", { context: "board", function: "board_tasks" }],
    },
    headers: { "X-Mizan-Invalidate": "board;list_id=1, lists" },
  }));
  const client = createClient({ fetch });
  const one = client.context("board", { list_id: 1 });
  const two = client.context("board", { list_id: 2 });
  const lists = client.context("lists");
  for (const handle of [one, two, lists]) handle.subscribe(() => {});
  await settle();
  assert.equal(fetch.requests.length, 3);
  await client.call("add_task", { list_id: 1, title: "x" });
  await settle();
  const after = fetch.requests.slice(3).filter((r) => r.path.startsWith("/api/mizan/ctx/"));
  assert.deepEqual(after.map((r) => r.url).sort(), [
    "/api/mizan/ctx/board/?list_id=1",
    "/api/mizan/ctx/board/?list_id=2", // the function entry is broad over its context
    "/api/mizan/ctx/lists/",
  ]);
});

test("entries applied in the same microtask are one batch", async () => {
  const fetch = boardServer();
  const client = createClient({ fetch });
  const handle = client.context("board", { list_id: 1 });
  handle.subscribe(() => {});
  await settle();
  client.applyInvalidation(["board"]);
  client.applyInvalidation([{ context: "board", params: { list_id: "1" } }]);
  client.applyInvalidation(parseInvalidateHeader("board;list_id=1"));
  await settle();
  assert.equal(ctxFetches(fetch).length, 2);
  client.applyInvalidation(["board"]); // a later batch refetches again
  await settle();
  assert.equal(ctxFetches(fetch).length, 3);
});

test("scope matching: every scoped key must be present with an equal value, compared as text", async () => {
  const fetch = boardServer();
  const client = createClient({ fetch });
  const handles = {
    num: client.context("board", { list_id: 5 }),
    other: client.context("board", { list_id: 6 }),
    flag: client.context("board", { list_id: 5, archived: true }),
    none: client.context("board"),
  };
  assert.equal(client.context("board", { list_id: "5" }), handles.num); // the same params as text
  for (const handle of Object.values(handles)) handle.subscribe(() => {});
  await settle();
  const refetched = async (entries) => {
    const before = fetch.requests.length;
    client.applyInvalidation(entries);
    await settle();
    return fetch.requests.slice(before).map((r) => r.url).sort();
  };
  assert.deepEqual(await refetched([{ context: "board", params: { list_id: 5 } }]), [
    "/api/mizan/ctx/board/?archived=true&list_id=5",
    "/api/mizan/ctx/board/?list_id=5",
  ]);
  assert.deepEqual(await refetched([{ context: "board", params: { list_id: "5" } }]), [
    "/api/mizan/ctx/board/?archived=true&list_id=5",
    "/api/mizan/ctx/board/?list_id=5",
  ]);
  assert.deepEqual(await refetched([{ context: "board", params: { list_id: 5, archived: "true" } }]), [
    "/api/mizan/ctx/board/?archived=true&list_id=5",
  ]);
  assert.deepEqual(await refetched([{ context: "board", params: { list_id: 99 } }]), []);
  assert.equal((await refetched(["board"])).length, 4);
  assert.equal((await refetched([{ context: "board", params: {} }])).length, 4);
  assert.deepEqual(await refetched(["lists"]), []);
});

test("a handle without subscribers is only marked stale and refetches on its next subscribe", async () => {
  const fetch = boardServer();
  const client = createClient({ fetch });
  const handle = client.context("board", { list_id: 1 });
  const unsubscribe = handle.subscribe(() => {});
  await settle();
  unsubscribe();
  client.applyInvalidation(["board"]);
  await settle();
  assert.equal(ctxFetches(fetch).length, 1);
  handle.subscribe(() => {});
  await settle();
  assert.equal(ctxFetches(fetch).length, 2);
  handle.subscribe(() => {}); // a fresh handle's later subscribers fetch nothing
  await settle();
  assert.equal(ctxFetches(fetch).length, 2);
});

test("merge: upsert by id, list-replace and direct, scoped, with no request", async () => {
  const fetch = fakeFetch((request) =>
    json({
      board_tasks: [
        { id: 1, title: "a" },
        { id: 2, title: "b" },
      ],
      board_summary: { open: 2 },
      list_id: request.query.list_id,
    }),
  );
  const client = createClient({ fetch });
  const one = client.context("board", { list_id: 1 });
  const two = client.context("board", { list_id: 2 });
  const seen = [];
  one.subscribe((state) => seen.push(state));
  two.subscribe(() => {});
  await settle();
  const requests = fetch.requests.length;
  const titles = (handle) => handle.get().data.board_tasks.map((t) => `${t.id}:${t.title}`);

  client.applyMerge([{ context: "board", slot: "board_tasks", value: { id: 2, title: "B" }, params: { list_id: 1 } }]);
  assert.deepEqual(titles(one), ["1:a", "2:B"]);
  assert.deepEqual(titles(two), ["1:a", "2:b"]); // another scope is untouched
  assert.equal(seen.at(-1).status, "ready");
  assert.equal(seen.at(-1), one.get()); // subscribers were told

  client.applyMerge([{ context: "board", slot: "board_tasks", value: { id: 3, title: "c" }, params: { list_id: "1" } }]);
  assert.deepEqual(titles(one), ["1:a", "2:B", "3:c"]);

  client.applyMerge([{ context: "board", slot: "board_tasks", value: [{ id: 9, title: "z" }] }]);
  assert.deepEqual(titles(one), ["9:z"]);
  assert.deepEqual(titles(two), ["9:z"]); // no params: every handle of the context

  client.applyMerge([{ context: "board", slot: "board_summary", value: { open: 0 }, params: { list_id: 2 } }]);
  assert.deepEqual(two.get().data.board_summary, { open: 0 });
  assert.deepEqual(one.get().data.board_summary, { open: 2 });
  assert.equal(fetch.requests.length, requests);
});

test("a call's merge entries are spliced in without a refetch", async () => {
  const fetch = fakeFetch((request) => {
    if (request.path === "/api/mizan/session/") return json({ csrfToken: "t" });
    if (request.path === "/api/mizan/ctx/board/") return json({ board_tasks: [{ id: 4, title: "old" }] });
    return json({
      result: { id: 4, title: "new" },
      merge: [{ context: "board", slot: "board_tasks", value: { id: 4, title: "new" }, params: { list_id: 1 } }],
    });
  });
  const client = createClient({ fetch });
  const handle = client.context("board", { list_id: 1 });
  handle.subscribe(() => {});
  await settle();
  assert.deepEqual(await client.call("rename_task", { list_id: 1, task_id: 4, title: "new" }), { id: 4, title: "new" });
  await settle();
  assert.deepEqual(handle.get().data.board_tasks, [{ id: 4, title: "new" }]);
  assert.equal(fetch.count("/api/mizan/ctx/board/"), 1);
});

test("parseInvalidateHeader follows the header grammar", () => {
  assert.deepEqual(parseInvalidateHeader("user;user_id=5, notifications"), [
    { context: "user", params: { user_id: "5" } },
    "notifications",
  ]);
  assert.deepEqual(parseInvalidateHeader("ctx;q=a%3Bb%20c%22d;n=J%C3%BCrgen"), [
    { context: "ctx", params: { q: 'a;b c"d', n: "Jürgen" } },
  ]);
  assert.deepEqual(parseInvalidateHeader(" a ,, b;k=  ,"), ["a", { context: "b", params: { k: "" } }]);
  assert.deepEqual(parseInvalidateHeader("a;k=1=2"), [{ context: "a", params: { k: "1=2" } }]);
  // A pair without `=` or with a bad escape makes the entry broad.
  assert.deepEqual(parseInvalidateHeader("a;novalue, b;k=%zz, c;k=1"), ["a", "b", { context: "c", params: { k: "1" } }]);
  assert.deepEqual(parseInvalidateHeader(""), []);
  const many = Array.from({ length: 25 }, (_, i) => `c${i};id=${i}`).join(", ");
  assert.equal(parseInvalidateHeader(many).length, 25);
});
