#!/usr/bin/env node
// Launches the operator CLI (src/cli/main.ts) with the running node, which strips the TypeScript
// types itself — on a Node too old for that, one line says which Node is needed and how to get it.
import { createRequire } from "node:module";

const { nodeVersionProblem } = createRequire(import.meta.url)("../scripts/check-node.cjs");
const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  console.error(problem);
  process.exit(1);
}
await import(new URL("../src/cli/main.ts", import.meta.url).href);
