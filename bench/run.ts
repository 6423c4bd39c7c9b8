/**
 * `npm run bench [-- --quick] [-- --only <group>]`: the whole suite on PostgreSQL, the database named
 * by DATABASE_URL or else latchkey_bench on 127.0.0.1:5432 (created if missing). Generates the data
 * if it is missing (generate-users.ts, then generate-companies.ts), runs suite.ts (start-up, load
 * scenarios, ratios; results in bench/results/), then users-list.ts (one client's latencies; left out
 * with --quick or --only, which runs one group of suite.ts's scenarios and nothing else).
 * Each script also runs on its own, and all but suite.ts on PGlite (DATA_DIR) too.
 */
import { spawnSync } from "node:child_process";
import { DEFAULT_BENCH_DATABASE_URL } from "./fixtures.ts";
import { ROOT } from "./support.ts";

const quick = process.argv.includes("--quick");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? [] : ["--only", process.argv[onlyAt + 1] ?? ""];
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL || DEFAULT_BENCH_DATABASE_URL };
const steps = [
  ["bench/generate-users.ts"],
  ["bench/generate-companies.ts"],
  ["bench/suite.ts", ...(quick ? ["--quick"] : []), ...only],
  ...(quick || only.length ? [] : [["bench/users-list.ts", "--requests", "100"]]),
];
const started = performance.now();
for (const [script, ...args] of steps) {
  console.log(`\n== node ${[script, ...args].join(" ")}`);
  const child = spawnSync(process.execPath, [script ?? "", ...args], { cwd: ROOT, stdio: "inherit", env });
  if (child.status !== 0) process.exit(child.status ?? 1);
}
console.log(`\nnpm run bench${quick || only.length ? ` -- ${[...(quick ? ["--quick"] : []), ...only].join(" ")}` : ""}: ${((performance.now() - started) / 60_000).toFixed(1)} minutes`);
