/**
 * GET /api/v1/users response times at scale (first page, searches, the other orders and the role
 * filter (decision 0047), a deep page), signed in as the bench company's administrator
 * (make the data first with generate-users.ts). Requests go one at a time over loopback, so the
 * figures are latencies, not throughput.
 *   DATA_DIR=/tmp/latchkey-bench node bench/users-list.ts [--requests 200] [--deep 500]
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_bench node bench/users-list.ts
 *   node bench/users-list.ts --url http://127.0.0.1:3000   (a server already running, with GLOBAL_RATE_LIMIT_PER_MINUTE=0)
 */
import { BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD, flags, ms, startServer, summarize, whichDatabase, type RunningServer } from "./support.ts";

const options = flags({ url: "", requests: "200", deep: "500", q: "mar", late: "wei", rare: "zzz", limit: "25" });
const requests = Math.min(2000, Math.max(1, Number(options.requests)));
const deepPages = Math.min(5000, Math.max(1, Number(options.deep)));

let server: RunningServer | null = null;
let base = options.url.replace(/\/+$/, "");
if (!base) {
  server = await startServer();
  base = server.url;
}
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(base)) throw new Error("--url must be a loopback address");

const cookies = new Map<string, string>();
const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
function keepCookies(reply: Response) {
  for (const line of reply.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const at = pair?.indexOf("=") ?? -1;
    if (pair && at > 0) cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
}

async function signIn(): Promise<void> {
  const csrfReply = await fetch(`${base}/api/v1/csrf-token`);
  keepCookies(csrfReply);
  const { token } = (await csrfReply.json()) as { token: string };
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": token, cookie: cookieHeader() },
    body: JSON.stringify({ email: BENCH_ADMIN_EMAIL, password: BENCH_ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`sign-in as ${BENCH_ADMIN_EMAIL} failed (${login.status}): run bench/generate-users.ts first`);
  keepCookies(login);
}

interface UsersPage {
  users: unknown[];
  nextCursor: string | null;
  total: number;
}

async function getUsers(query: string): Promise<{ page: UsersPage; elapsed: number }> {
  const started = performance.now();
  const reply = await fetch(`${base}/api/v1/users?${query}`, { headers: { cookie: cookieHeader() } });
  const page = (await reply.json()) as UsersPage;
  const elapsed = performance.now() - started;
  if (reply.status !== 200) throw new Error(`GET /api/v1/users?${query} answered ${reply.status}: ${JSON.stringify(page)}`);
  return { page, elapsed };
}

async function measure(label: string, query: string): Promise<void> {
  for (let i = 0; i < 10; i++) await getUsers(query);
  const samples: number[] = [];
  let last: UsersPage | null = null;
  for (let i = 0; i < requests; i++) {
    const { page, elapsed } = await getUsers(query);
    samples.push(elapsed);
    last = page;
  }
  const s = summarize(samples);
  console.log(`${label.padEnd(34)} median ${ms(s.median).padStart(9)}  p95 ${ms(s.p95).padStart(9)}  max ${ms(s.max).padStart(9)}  (${last?.users.length} rows of ${last?.total})`);
}

try {
  await signIn();
  const limit = Number(options.limit);
  console.log(`GET /api/v1/users on ${options.url ? base : whichDatabase()}, ${requests} sequential requests each after 10 warm-up requests\n`);
  await measure(`page 1 (limit ${limit})`, `limit=${limit}`);
  await measure(`search q=${options.q} (limit ${limit})`, `q=${encodeURIComponent(options.q)}&limit=${limit}`);
  // Matches sorted late by name: a plan that walks the name order reads most of the index first.
  await measure(`search q=${options.late} (limit ${limit})`, `q=${encodeURIComponent(options.late)}&limit=${limit}`);
  // A prefix that matches nothing: the worst case for a search that walks the name order.
  await measure(`search q=${options.rare} (limit ${limit})`, `q=${encodeURIComponent(options.rare)}&limit=${limit}`);
  await measure("status=all, page 1 (limit 100)", "status=all&limit=100");
  // The other orders, each read from its own index (decision 0047), and the role filter with its count.
  await measure(`sort=email desc (limit ${limit})`, `sort=email&dir=desc&limit=${limit}`);
  await measure(`sort=created desc (limit ${limit})`, `sort=created&dir=desc&limit=${limit}`);
  await measure(`sort=lastSignIn desc (limit ${limit})`, `sort=lastSignIn&dir=desc&limit=${limit}`);
  await measure(`sort=role (limit ${limit})`, `sort=role&limit=${limit}`);
  await measure(`role=manager (limit ${limit})`, `role=manager&limit=${limit}`);
  // A rare role in an order whose index does not lead with it: the walk reads the company's index entries.
  await measure(`role=administrator sort=email (limit ${limit})`, `role=administrator&sort=email&limit=${limit}`);

  // Walk the cursors down, then time the deep page itself: keyset pagination should cost what page 1 costs.
  let cursor: string | null = null;
  const walk: number[] = [];
  for (let page = 1; page < deepPages; page++) {
    const result: { page: UsersPage; elapsed: number } = await getUsers(`limit=100${cursor ? `&after=${encodeURIComponent(cursor)}` : ""}`);
    walk.push(result.elapsed);
    cursor = result.page.nextCursor;
    if (!cursor) break;
  }
  const w = summarize(walk);
  console.log(`${`walk ${w.n} pages of 100 by cursor`.padEnd(34)} median ${ms(w.median).padStart(9)}  p95 ${ms(w.p95).padStart(9)}  max ${ms(w.max).padStart(9)}`);
  if (cursor) await measure(`page ${walk.length + 1} via cursor (limit 100)`, `limit=100&after=${encodeURIComponent(cursor)}`);
} finally {
  await server?.stop();
}
