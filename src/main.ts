// The faster module resolution (module-resolution.ts) has to be in place before the rest of the
// server is resolved, which for static imports happens before any of them runs: hence the dynamic import.
import "./module-resolution.ts";

await import("./server.ts");
