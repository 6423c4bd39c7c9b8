import { existsSync, readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Start-up time. To know whether a loaded .js file is an ES module, Node reads the nearest
 * package.json, and today it re-parses that file's whole "exports" map on every look-up:
 * drizzle-orm's is 179 KB and it loads hundreds of files, about 0.4 s of a 1.6 s start. This hook
 * answers relative imports inside node_modules from each package's "type", read once; everything
 * else (bare specifiers, our own files, packages without a "type") goes to Node as before.
 * Imported first by main.ts, so it is in place before anything else loads.
 */
const scopeType = new Map<string, "module" | "commonjs" | null>();

function packageTypeOf(directory: string): "module" | "commonjs" | null {
  const known = scopeType.get(directory);
  if (known !== undefined) return known;
  const manifest = join(directory, "package.json");
  let type: "module" | "commonjs" | null;
  if (existsSync(manifest)) {
    const declared: unknown = (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type;
    type = declared === "module" || declared === "commonjs" ? declared : null;
  } else {
    const parent = dirname(directory);
    type = parent === directory ? null : packageTypeOf(parent);
  }
  scopeType.set(directory, type);
  return type;
}

// registerHooks arrived in Node 22.15 and enableCompileCache in 22.1; on an older 22.x the
// service simply starts without them.
nodeModule.registerHooks?.({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (!parent?.startsWith("file:") || !parent.includes("/node_modules/") || !specifier.startsWith(".") || !specifier.endsWith(".js")) {
      return nextResolve(specifier, context);
    }
    const url = new URL(specifier, parent);
    const path = fileURLToPath(url);
    const format = existsSync(path) ? packageTypeOf(dirname(path)) : null;
    return format ? { url: url.href, format, shortCircuit: true } : nextResolve(specifier, context);
  },
});

// V8's compiled code for every module, kept on disk between starts (Node's own cache, in the temp folder).
nodeModule.enableCompileCache?.();
