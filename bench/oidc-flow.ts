/**
 * Issue 16's sign-in as a browser and an application send it: the authorization request, Latchkey's
 * sign-in page (its CSRF token, the password, then — signed in — a new token and "continue"), back
 * through the provider to the redirect URI with a code, and the application's code exchange with its
 * PKCE verifier. Plus the application's refresh, and registering the bench's client with the CLI.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { CookieJar, type Reply } from "./browser.ts";
import { StepFailure, type FlowTurn } from "./flow-load.ts";
import { BENCH_ADMIN_PASSWORD, ROOT } from "./support.ts";

/** Never called: the load generator reads the code from the Location header. Port 9 is discard. */
export const BENCH_REDIRECT_URI = "http://127.0.0.1:9/cb";
/** What the example app asks for (decision 0027, section 12); no `resource`, so the access token is opaque and userinfo takes it. */
export const SIGN_IN_SCOPE = "openid email profile company";

export interface BenchClient {
  clientId: string;
  clientSecret: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
}

/** The operator's CLI on the bench's database, as an operator runs it. */
export function cli(env: NodeJS.ProcessEnv, args: string[]): string {
  const run = spawnSync(process.execPath, ["bin/latchkey.js", ...args], { cwd: ROOT, env, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`latchkey ${args[0]} failed: ${run.stderr || run.stdout}`);
  return run.stdout;
}

/** A confidential first-party client (no consent screen), registered the way an operator does it. */
export function registerBenchClient(env: NodeJS.ProcessEnv): BenchClient {
  const out = cli(env, ["create-client", "--name", "Bench app", "--redirect-uri", BENCH_REDIRECT_URI, "--resource", "http://127.0.0.1:9/api", "--first-party", "--json"]);
  const created = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { clientId?: string; clientSecret?: string };
  if (!created.clientId || !created.clientSecret) throw new Error(`create-client printed no client: ${out}`);
  return { clientId: created.clientId, clientSecret: created.clientSecret };
}

/** The client goes with its grants, codes and tokens: runs do not pile up rows for the next. */
export function deleteBenchClient(env: NodeJS.ProcessEnv, clientId: string): void {
  // `--id=…`: a client id may begin with "-", which parseArgs would take for an option after a space.
  cli(env, ["delete-client", `--id=${clientId}`]);
}

const basicAuth = (client: BenchClient) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString("base64")}`;

const pathOf = (location: string, base: URL) => {
  const url = new URL(location, base);
  return url.pathname + url.search;
};

function expect(step: string, reply: Reply, ...statuses: number[]): Reply {
  if (!statuses.includes(reply.status)) throw new StepFailure(step, reply);
  return reply;
}

function tokensOf(step: string, reply: Reply): Tokens {
  const tokens = JSON.parse(reply.body) as Partial<Tokens>;
  if (!tokens.access_token || !tokens.refresh_token || !tokens.id_token) throw new StepFailure(`${step} (tokens missing)`, reply);
  return tokens as Tokens;
}

/**
 * One complete sign-in by a new browser (no cookies, so the password is always asked), from
 * `address`. Steps are labelled for the per-step latencies. Throws StepFailure on any other answer.
 */
export async function signInWithCodeFlow(turn: FlowTurn, client: BenchClient, email: string, address: string): Promise<Tokens> {
  const jar = new CookieJar();
  const base = turn.connection.base;
  const browse = async (step: string, method: "GET" | "POST", path: string, headers: Record<string, string> = {}, body?: string) => {
    const cookie = jar.header(path);
    const reply = await turn.step(step, method, path, { "x-forwarded-for": address, ...(cookie ? { cookie } : {}), ...headers }, body);
    jar.store(reply.headers["set-cookie"], path.split("?")[0] ?? "/");
    return reply;
  };
  const csrfToken = async () => (JSON.parse(expect("csrf token", await browse("csrf token", "GET", "/api/v1/csrf-token"), 200).body) as { token: string }).token;
  const json = (token: string) => ({ "content-type": "application/json", "x-csrf-token": token });

  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const query = new URLSearchParams({
    client_id: client.clientId,
    response_type: "code",
    redirect_uri: BENCH_REDIRECT_URI,
    scope: SIGN_IN_SCOPE,
    state,
    nonce: randomBytes(16).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  });
  const authorize = expect("authorize", await browse("authorize", "GET", `/oidc/auth?${query}`), 302, 303);
  const uid = /\/interaction\/([^/?#]+)/.exec(String(authorize.headers.location))?.[1];
  if (!uid) throw new StepFailure("authorize (no interaction)", authorize);

  expect("password", await browse("password", "POST", `/interaction/${uid}/login`, json(await csrfToken()), JSON.stringify({ email, password: BENCH_ADMIN_PASSWORD })), 200);
  // Signing in rotated the CSRF secret and the token is bound to the new session (decision 0017).
  const next = expect("continue", await browse("continue", "POST", `/interaction/${uid}/continue`, json(await csrfToken()), "{}"), 200);
  const { redirectTo } = JSON.parse(next.body) as { redirectTo: string };
  const resumed = expect("resume", await browse("resume", "GET", pathOf(redirectTo, base)), 302, 303);
  const callback = new URL(String(resumed.headers.location));
  const code = callback.searchParams.get("code");
  if (!callback.href.startsWith(BENCH_REDIRECT_URI) || !code || callback.searchParams.get("state") !== state) throw new StepFailure("resume (no code)", resumed);

  const form = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier });
  const headers = { authorization: basicAuth(client), "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": address };
  return tokensOf("code exchange", expect("code exchange", await turn.step("code exchange", "POST", "/oidc/token", headers, form.toString()), 200));
}

/** The application's refresh: the answer's refresh token replaces the one sent (every refresh rotates). */
export async function refresh(turn: FlowTurn, client: BenchClient, refreshToken: string): Promise<Tokens> {
  const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
  const headers = { authorization: basicAuth(client), "content-type": "application/x-www-form-urlencoded" };
  return tokensOf("refresh", expect("refresh", await turn.step("refresh", "POST", "/oidc/token", headers, form.toString()), 200));
}
