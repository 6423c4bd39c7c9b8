/**
 * Issue 16's speed: the OpenID provider against what the dashboard already does on the same server.
 * Complete code-flow sign-ins against dashboard logins (both bound by the same argon2id hash: the
 * protocol must add little), refresh-token grants and userinfo against session checks, discovery
 * and the JWKS against session checks. These machines change speed by tens of percent within a
 * minute, so each ratio's two sides run in alternating slices of the same length, several rounds,
 * every slice at 10 connections — the login scenario's concurrency.
 */
import { signIn } from "../api-client.ts";
import { ConnectionPool, runFlowLoad, turnOf } from "../flow-load.ts";
import { addressSequence, cycle, mergeSlices, runLoad, type LoadResult, type Stream } from "../load.ts";
import { BENCH_REDIRECT_URI, deleteBenchClient, refresh, registerBenchClient, signInWithCodeFlow, type Tokens } from "../oidc-flow.ts";
import { describe, type SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_EMAIL } from "../support.ts";
import { loginStream } from "./login-ratio.ts";

export const OIDC_CONNECTIONS = 10;

export interface OidcFigures {
  login: LoadResult;
  signIn: LoadResult;
  session: LoadResult;
  refresh: LoadResult;
  userinfo: LoadResult;
  discovery: LoadResult;
  jwks: LoadResult;
  rounds: number;
}

interface Slice {
  name: string;
  /** One slice of `seconds`, its latencies kept so that the slices merge into one scenario. */
  run(name: string, seconds: number, keepSamples: boolean): Promise<LoadResult>;
}

/**
 * Warms every scenario up (not counted), then runs `rounds` rounds of one slice each, the order
 * turned by one each round so that no scenario always follows the same one; merges each
 * scenario's slices.
 */
export async function alternate<K extends string>(ctx: SuiteContext, rounds: number, slices: Record<K, Slice>, seconds: number, warmUpSeconds: number): Promise<Record<K, LoadResult>> {
  const keys = Object.keys(slices) as K[];
  for (const key of keys) await slices[key].run(`${slices[key].name} (warm-up)`, warmUpSeconds, false);
  const results = new Map<K, LoadResult[]>(keys.map((key) => [key, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < keys.length; k++) {
      const key = keys[(k + round) % keys.length] as K;
      await ctx.db.clearRateLimits();
      results.get(key)?.push(await slices[key].run(`${slices[key].name}, slice ${round + 1}`, seconds, true));
    }
  }
  const merged = {} as Record<K, LoadResult>;
  for (const key of keys) {
    merged[key] = mergeSlices(slices[key].name, results.get(key) ?? []);
    ctx.results.push(merged[key]);
    console.log(describe(merged[key]));
  }
  return merged;
}

const steps = (result: LoadResult) =>
  Object.entries(result.byLabel)
    .map(([label, l]) => `${label} ${l.p50.toFixed(1)}`)
    .join(", ");

export async function oidcScenarios(ctx: SuiteContext): Promise<OidcFigures> {
  const { pace } = ctx;
  const rounds = pace.quick ? 2 : 4;
  const target = { base: ctx.base, pid: ctx.pid, connections: OIDC_CONNECTIONS };
  const client = registerBenchClient(ctx.serverEnv);
  console.log(`(client ${client.clientId} registered with latchkey create-client, redirect URI ${BENCH_REDIRECT_URI}, first party)`);
  const pool = new ConnectionPool(ctx.base);
  try {
    await ctx.db.vacuumOidcTables();
    await ctx.db.clearRateLimits();
    await ctx.db.settle();

    // 1. Sign-ins against dashboard logins: the same 2,000 users, each sign-in a new browser from a new address.
    const emails = await ctx.db.activeUsers("Bench Co", "user", "email_normalized", 2_000);
    const email = cycle(emails);
    const address = addressSequence(5_000_000);
    const logins = loginStream(ctx.csrf, emails);
    const { login, signIn: signIns } = await alternate(
      ctx,
      rounds,
      {
        login: { name: "dashboard login (POST /auth/login)", run: (name, seconds, keepSamples) => runLoad({ ...target, name, seconds, keepSamples, expect: 200, streams: [logins] }) },
        signIn: {
          name: "authorization-code sign-in (7 requests, password included)",
          run: (name, seconds, keepSamples) =>
            runFlowLoad({ ...target, name, seconds, keepSamples, flow: async (turn) => void (await signInWithCodeFlow(turn, client, email(), address())) }, pool),
        },
      },
      pace.quick ? 3 : 4,
      3,
    );
    console.log(`  a sign-in's steps, p50 ms: ${steps(signIns)}`);

    // 2. One grant per connection, each refreshed with its newest refresh token; userinfo with the newest access tokens.
    const owners = await ctx.db.activeUsers("Bench Co", "user", "email_normalized", OIDC_CONNECTIONS, 2_000);
    const latest: Tokens[] = [];
    for (const [i, owner] of owners.entries()) latest[i] = await signInWithCodeFlow(turnOf(pool, i), client, owner, address());
    const latestOf = (index: number): Tokens => {
      const tokens = latest[index];
      if (!tokens) throw new Error(`no grant for connection ${index}`);
      return tokens;
    };
    const anyConnection = cycle(latest.map((_, i) => i));
    await ctx.db.vacuumOidcTables();
    const session = await signIn(ctx.base, ctx.csrf, BENCH_ADMIN_EMAIL);
    const get = (label: string, path: string, headers: () => Record<string, string> = () => ({})): Stream => ({ label, next: () => ({ path, headers: headers() }) });
    const autocannon = (stream: Stream) => (name: string, seconds: number, keepSamples: boolean) => runLoad({ ...target, name, seconds, keepSamples, expect: 200, streams: [stream] });
    const reads = await alternate(
      ctx,
      rounds,
      {
        session: { name: "session check (GET /auth/me)", run: autocannon(get("me", "/api/v1/auth/me", () => ({ cookie: session }))) },
        refresh: {
          name: "refresh-token grant (POST /oidc/token, rotating)",
          run: (name, seconds, keepSamples) =>
            runFlowLoad({ ...target, name, seconds, keepSamples, flow: async (turn) => void (latest[turn.index] = await refresh(turn, client, latestOf(turn.index).refresh_token)) }, pool),
        },
        userinfo: { name: "userinfo (GET /oidc/me, opaque access token)", run: autocannon(get("userinfo", "/oidc/me", () => ({ authorization: `Bearer ${latestOf(anyConnection()).access_token}` }))) },
        discovery: { name: "discovery (GET /.well-known/openid-configuration)", run: autocannon(get("discovery", "/.well-known/openid-configuration")) },
        jwks: { name: "JWKS (GET /oidc/jwks)", run: autocannon(get("jwks", "/oidc/jwks")) },
      },
      pace.quick ? 2 : 3,
      1,
    );
    return { login, signIn: signIns, ...reads, rounds };
  } finally {
    pool.close();
    deleteBenchClient(ctx.serverEnv, client.clientId);
  }
}
