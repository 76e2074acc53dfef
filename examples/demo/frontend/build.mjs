// Builds the board page's bundle: src/main.tsx and everything it imports (React, the
// components, Mizan's runtime) into ../demo_app/static/demo/board.js, one ES module.
// The runtime is the file the Python package serves (mizan/static/mizan/client.js): the
// alias `mizan-client` points at it, so the demo always runs the checkout's own runtime.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const runtime = path.resolve(here, "../../../mizan/static/mizan/client.js");

await build({
  entryPoints: [path.join(here, "src/main.tsx")],
  outfile: path.resolve(here, "../demo_app/static/demo/board.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  minify: true,
  sourcemap: true,
  alias: { "mizan-client": runtime },
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
