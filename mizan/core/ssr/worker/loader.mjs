// Compiles a component file (.jsx, .tsx, .ts, .js, .mjs) with esbuild and imports it, with
// the React renderer resolved beside it (SSR-10). Used by render.mjs.
//
// One React. A hook keeps its state in the React module instance that the renderer set up
// (the "current dispatcher"); a component that imports a second copy of `react` calls hooks
// on a dispatcher nobody set and fails ("Invalid hook call"). So every package is left out
// of the bundle and imported by Node itself, and the entry that esbuild bundles imports the
// component, `react`, `react-dom/server` and `react-dom/static` together: they are resolved
// by the same rules from the same place, so the component's `react` is the `react` that
// `react-dom` requires, and Node's module cache (keyed by real path) holds it once.
//
// Where packages come from. A bare import (`react`, `react-dom/static`, anything a component
// imports) is resolved with Node's rules from the importing file's directory upwards, then
// from the current directory upwards, then from this worker's directory upwards; the first
// hit wins and is written into the compiled module as an absolute file: URL. esbuild itself
// is found the same way, starting from the component's directory. Nothing is downloaded.
//
// Cache. A compiled module is kept per component path with the modification time and size
// of every source file bundled into it (the component and the files it imports relatively);
// a render first compares them, so an unchanged component is compiled once and an edited
// one (or an edited child) is compiled again without a restart.

import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const WORKER_DIR = dirname(fileURLToPath(import.meta.url));
// esbuild's pattern for a path that is not relative or absolute (a package or an alias).
const BARE = /^[^./]|^\.[^./]|^\.\.[^/]/;
const SKIP = Symbol("mizan-ssr-resolving");
const NODE_MODULES = `${sep}node_modules${sep}`;
const INSTALL_HINT = "install them in your project: npm install react@19 react-dom@19 esbuild";

/** The directories a bare import is resolved from, after the importer's own. */
function fallbackDirs() {
  return [process.cwd(), WORKER_DIR];
}

/** The first directory of `dirs` (and its parents) where `name` resolves, via require. */
function requireResolve(name, dirs) {
  for (const dir of dirs) {
    try {
      return createRequire(join(dir, "noop.js")).resolve(name);
    } catch {
      // Not installed under this directory: try the next one.
    }
  }
  return null;
}

/** esbuild plugin: packages stay external, written as absolute file: URLs (see above). */
function externalPackages() {
  return {
    name: "mizan-external-packages",
    setup(build) {
      build.onResolve({ filter: BARE }, async (args) => {
        if (args.pluginData === SKIP) return undefined;
        const dirs = [args.resolveDir, ...fallbackDirs()];
        for (const dir of dirs) {
          const found = await build.resolve(args.path, { kind: args.kind, resolveDir: dir, pluginData: SKIP });
          if (found.errors.length > 0) continue;
          if (found.external) return { path: found.path, external: true }; // node:fs and friends
          // A tsconfig `paths` alias that lands on the project's own source is bundled.
          if (!found.path.includes(NODE_MODULES)) return { path: found.path };
          return { path: pathToFileURL(found.path).href, external: true };
        }
        return {
          errors: [{ text: `cannot find package "${args.path}" (looked upwards from ${dirs.join(", ")}); ${INSTALL_HINT}` }],
        };
      });
    },
  };
}

/** The export a component file renders: `default`, else the export named like the file. */
function pickComponent(namespace, file) {
  const name = basename(file, extname(file));
  const candidate = namespace.default ?? namespace[name];
  const isComponent =
    typeof candidate === "function" || (typeof candidate === "object" && candidate !== null && "$$typeof" in candidate);
  if (!isComponent) {
    throw new Error(`${file} does not export a component (no default export, no export named ${name})`);
  }
  return candidate;
}

/** The first esbuild error as `file:line:column: text` (paths from esbuild are relative to `dir`). */
function buildMessage(err, dir) {
  const first = err && Array.isArray(err.errors) ? err.errors[0] : null;
  if (!first) return err instanceof Error ? err.message : String(err);
  const where = first.location ? `${resolve(dir, first.location.file)}:${first.location.line}:${first.location.column}: ` : "";
  return `cannot compile: ${where}${first.text}`;
}

async function statOrNull(path) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

export class Loader {
  constructor() {
    this.cache = new Map(); // component path -> Promise<{module, inputs}>
    this.esbuilds = new Map(); // esbuild's resolved path -> Promise<esbuild module>
    this.tempDir = null;
    this.counter = 0;
  }

  /**
   * The compiled module of `file`: `{component, createElement, prerender, renderToString}`.
   * @param {string} file absolute path of the component
   */
  async load(file) {
    if (typeof file !== "string" || !isAbsolute(file)) {
      throw new Error(`params.file must be an absolute path, got ${JSON.stringify(file)}`);
    }
    const cached = this.cache.get(file);
    if (cached) {
      const entry = await cached.catch(() => null);
      if (entry && (await this.unchanged(entry.inputs))) return entry.module;
      // Another render may have started the recompilation meanwhile: share it.
      if (this.cache.get(file) !== cached) return this.load(file);
    }
    const compiling = this.compile(file);
    this.cache.set(file, compiling);
    try {
      return (await compiling).module;
    } catch (err) {
      if (this.cache.get(file) === compiling) this.cache.delete(file); // retry on the next render
      throw err;
    }
  }

  async unchanged(inputs) {
    const stats = await Promise.all(inputs.map(([path]) => statOrNull(path)));
    return stats.every((st, i) => st !== null && st.mtimeMs === inputs[i][1] && st.size === inputs[i][2]);
  }

  async esbuildFor(dir) {
    const path = requireResolve("esbuild", [dir, ...fallbackDirs()]);
    if (path === null) throw new Error(`cannot find package "esbuild"; ${INSTALL_HINT}`);
    if (!this.esbuilds.has(path)) this.esbuilds.set(path, import(pathToFileURL(path).href));
    const mod = await this.esbuilds.get(path);
    return mod.build ? mod : mod.default;
  }

  async compile(file) {
    // Stat before compiling: an edit made during the build then shows as a change.
    const before = await statOrNull(file);
    if (before === null || !before.isFile()) throw new Error(`component file not found: ${file}`);
    const dir = dirname(file);
    const esbuild = await this.esbuildFor(dir);
    let result;
    try {
      result = await esbuild.build({
        stdin: {
          contents: [
            `export * as component from ${JSON.stringify(file)};`,
            `export { createElement } from "react";`,
            `export { prerender } from "react-dom/static";`,
            `export { renderToString } from "react-dom/server";`,
          ].join("\n"),
          resolveDir: dir,
          sourcefile: "mizan-ssr-entry.js",
          loader: "js",
        },
        absWorkingDir: dir,
        bundle: true,
        platform: "node",
        format: "esm",
        jsx: "automatic",
        write: false,
        metafile: true,
        logLevel: "silent",
        loader: { ".css": "empty" }, // a stylesheet import has no meaning on the server
        plugins: [externalPackages()],
      });
    } catch (err) {
      throw new Error(buildMessage(err, dir));
    }
    const inputs = [];
    for (const input of Object.keys(result.metafile.inputs)) {
      if (input === "<stdin>") continue;
      const path = resolve(dir, input);
      const st = path === file ? before : await statOrNull(path);
      if (st !== null) inputs.push([path, st.mtimeMs, st.size]);
    }
    const namespace = await this.importCode(result.outputFiles[0].text, file);
    const module = {
      component: pickComponent(namespace.component, file),
      createElement: namespace.createElement,
      prerender: namespace.prerender,
      renderToString: namespace.renderToString,
    };
    return { module, inputs };
  }

  /** Imports compiled code through a temporary file (portable; removed once loaded). */
  async importCode(code, file) {
    if (this.tempDir === null) this.tempDir = mkdtempSync(join(tmpdir(), "mizan-ssr-"));
    this.counter += 1;
    const path = join(this.tempDir, `${this.counter}-${basename(file)}.mjs`);
    writeFileSync(path, code);
    try {
      return await import(pathToFileURL(path).href);
    } finally {
      unlinkSync(path);
    }
  }

  /** Removes the temporary directory; esbuild's service process ends with ours. */
  dispose() {
    if (this.tempDir !== null) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = null;
  }
}
