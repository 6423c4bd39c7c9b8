/**
 * Start-up time on an existing database: spawn `node src/main.ts`, time until /readyz answers 200,
 * stop it (SIGTERM), repeat. The first run also applies any pending migration; later runs show the
 * steady state an operator sees on every restart.
 *   DATA_DIR=/tmp/latchkey-bench node bench/startup.ts [--runs 7]
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_bench node bench/startup.ts
 */
import { flags, ms, startServer, summarize, whichDatabase } from "./support.ts";

const options = flags({ runs: "7" });
const runs = Math.min(50, Math.max(1, Number(options.runs)));
const samples: number[] = [];
for (let run = 1; run <= runs; run++) {
  const server = await startServer();
  samples.push(server.readyMs);
  console.log(`run ${run}: ready in ${ms(server.readyMs)}`);
  await server.stop();
}
const s = summarize(samples);
console.log(`\nstart-up to /readyz on ${whichDatabase()}, ${s.n} runs: median ${ms(s.median)} (min ${ms(s.min)}, max ${ms(s.max)})`);
