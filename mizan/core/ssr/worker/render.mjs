// Mizan's SSR worker: renders React components to HTML for the Python bridge (SSR-5, SSR-10).
//
//   node render.mjs            (or: bun run render.mjs)
//
// Protocol: newline-delimited JSON on stdin/stdout, UTF-8, one object per line.
//   out, once at start:  {"id":0,"ready":true}
//   in:  {"id":n,"method":"render","params":{"file":"<abs path>","props":{...}}}
//   out: {"id":n,"html":"<markup>"} | {"id":n,"error":"<message>"}
//   in:  {"id":n,"method":"ping","params":{}}   out: {"id":n,"pong":true}
// Requests are handled concurrently and answered by id, in whatever order they finish. A line
// that is not a JSON object with an id is reported on stderr and skipped; every other bad
// request gets an error reply. Nothing a component does ends the worker; closing stdin does
// (exit 0, after the renders in flight are answered).
//
// Rendering. A render first tries renderToString (synchronous, the fastest server API: 2.3x
// prerender's renders per second on a 100-row table). renderToString cannot wait: a
// component that suspends (a lazy component, `use(promise)`) leaves its Suspense fallback
// marked `<!--$!-->` in the markup, or throws when no boundary is above it. In either case
// (and for any error) the tree is rendered again with `prerender` from react-dom/static,
// which waits until every boundary has resolved, so the one reply the protocol allows holds
// the complete page. The cost: components that suspend or throw render twice, which React's
// rule that rendering is pure (React itself re-renders freely) makes harmless. With prerender,
// an error thrown inside a Suspense boundary leaves React's client-render fallback in the
// markup (the browser retries there, as React intends) and is logged on stderr; an error
// outside any boundary fails the render.

import { createInterface } from "node:readline";

import { Loader } from "./loader.mjs";

// React picks its development or production build when it is first loaded; the development
// build is several times slower and only adds warnings (logged on stderr) for SSR.
if (!process.env.NODE_ENV) process.env.NODE_ENV = "production";

const RENDER_TIMEOUT_MS = 1000 * Number(process.env.MIZAN_SSR_RENDER_TIMEOUT || 30);
// How React marks a Suspense boundary it left for the browser to render.
const CLIENT_RENDERED = "<!--$!-->";
const loader = new Loader();
let inFlight = 0;
let closing = false;

function log(message) {
  process.stderr.write(`mizan-ssr-worker: ${message}\n`);
}

/** Writes one reply line. U+2028/U+2029 are escaped so that no reader splits the line. */
function reply(message) {
  const line = JSON.stringify(message).replace(/[\u2028\u2029]/g, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"));
  process.stdout.write(`${line}\n`);
}

function errorText(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

async function render(params) {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new Error("params must be an object with file and props");
  }
  const props = params.props ?? {};
  if (props === null || typeof props !== "object" || Array.isArray(props)) {
    throw new Error("params.props must be an object");
  }
  const { component, createElement, prerender, renderToString } = await loader.load(params.file);
  try {
    const html = renderToString(createElement(component, props));
    if (!html.includes(CLIENT_RENDERED)) return html;
  } catch {
    // Suspended outside a boundary, or an error: prerender says which, and logs it.
  }
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`render did not finish within ${RENDER_TIMEOUT_MS / 1000} s`)),
    RENDER_TIMEOUT_MS,
  );
  try {
    const { prelude } = await prerender(createElement(component, props), {
      signal: controller.signal,
      onError(err) {
        log(`render of ${params.file}: ${err instanceof Error && err.stack ? err.stack : errorText(err)}`);
      },
    });
    if (controller.signal.aborted) throw controller.signal.reason;
    return await new Response(prelude).text();
  } finally {
    clearTimeout(timer);
  }
}

function finish() {
  loader.dispose();
  // Exit once stdout has taken the last reply (esbuild's service would keep us alive).
  process.stdout.write("", () => process.exit(0));
}

function handle(line) {
  if (line.trim() === "") return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    log(`ignored a line that is not JSON: ${line.slice(0, 200)}`);
    return;
  }
  const id = message !== null && typeof message === "object" && !Array.isArray(message) ? message.id : undefined;
  if (typeof id !== "number" && typeof id !== "string") {
    log(`ignored a message without an id: ${line.slice(0, 200)}`);
    return;
  }
  if (message.method === "ping") {
    reply({ id, pong: true });
  } else if (message.method === "render") {
    inFlight += 1;
    render(message.params)
      .then(
        (html) => reply({ id, html }),
        (err) => reply({ id, error: errorText(err) }),
      )
      .finally(() => {
        inFlight -= 1;
        if (closing && inFlight === 0) finish();
      });
  } else {
    reply({ id, error: `unknown method: ${JSON.stringify(message.method ?? null)}` });
  }
}

// A component's stray timer or promise must not take the worker down with it.
process.on("uncaughtException", (err) => log(`uncaught exception: ${err && err.stack ? err.stack : err}`));
process.on("unhandledRejection", (err) => log(`unhandled rejection: ${err && err.stack ? err.stack : err}`));
// The bridge is gone: nobody to answer.
process.stdout.on("error", () => {
  loader.dispose();
  process.exit(0);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    loader.dispose();
    process.exit(0);
  });
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", handle);
lines.on("close", () => {
  closing = true;
  if (inFlight === 0) finish();
});
reply({ id: 0, ready: true });
