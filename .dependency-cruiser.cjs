/**
 * The import rules CI checks (npm run lint:deps, part of npm test). Why each exists is in its
 * comment; how the house is laid out is in src/features/README.md and src/http/README.md.
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycle-between-feature-folders",
      severity: "error",
      comment: "Feature folders form a hierarchy (access/ at the bottom): two folders importing each other, directly or around a loop, are one room split in two.",
      scope: "folder",
      from: { path: "^src/features/[^/]+$" },
      to: { path: "^src/features/[^/]+$", circular: true, viaOnly: { path: "^src/features/[^/]+$" } },
    },
    {
      name: "no-module-cycle",
      severity: "error",
      comment: "A module that reaches itself through its imports.",
      from: { path: "^(src|web/src)/" },
      to: { circular: true },
    },
    {
      name: "use-cases-know-no-http",
      severity: "error",
      comment: "A use case takes plain values and returns plain values: HTTP types, routes and middleware stay in src/http/.",
      from: { path: "^src/(features|email|jobs|db)/" },
      to: { path: "^src/http/" },
    },
    {
      name: "dashboard-talks-only-to-the-api",
      severity: "error",
      comment: "The dashboard knows the server only through /api/v1: its types come from the OpenAPI document (web/src/api/openapi.d.ts), never from server modules.",
      from: { path: "^web/" },
      to: { path: "^src/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a type shared across rooms couples them as much as a function does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs"] },
  },
};
