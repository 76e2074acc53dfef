// Builds the board page's bundle: src/main.tsx and everything it imports (React, the
// components, the generated typed client src/api.ts, Mizan's runtime) into
// ../demo_app/static/demo/board.js, one ES module. `mizan-client` is the file the Python
// package serves (mizan/static/mizan/client.js), mapped in tsconfig.json's `paths`, which
// esbuild, tsc and the SSR worker all read: the demo always runs the checkout's runtime.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));

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
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
