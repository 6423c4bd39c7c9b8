/**
 * Sign-in and forgot password: the argon2-bound path, the session check beside it, and the
 * forgot-password timing that must not tell an existing address from an unknown one.
 */
import { signIn, writeHeaders, type Csrf } from "../api-client.ts";
import { measureArgon2Rate, type Argon2Rate } from "../argon2-rate.ts";
import { runLoad, addressSequence, cycle, type LoadResult, type Stream } from "../load.ts";
import { describe, type SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD } from "../support.ts";
import { loginRatioOnOwnCores, type LoginRatioFigures } from "./login-ratio.ts";

const BENCH_CO = "Bench Co";

export interface AuthFigures {
  argon2: Argon2Rate;
  /** The login ratio with the server on cores of its own (null where the cores cannot be split). */
  ownCores: LoginRatioFigures | null;
  login: LoadResult;
  session: LoadResult;
  sessionDuringStorm: LoadResult;
  stormBesideSessions: LoadResult;
  forgotMixed: LoadResult;
}

/** Sign-ins cycling through `emails`, each from a client address of its own (per-client limits never bite). */
export function loginStream(csrf: Csrf, emails: string[]): Stream {
  const email = cycle(emails);
  const address = addressSequence(1_000_000);
  return {
    label: "login",
    next: () => ({
      method: "POST",
      path: "/api/v1/auth/login",
      headers: { ...writeHeaders(csrf), "x-forwarded-for": address() },
      body: JSON.stringify({ email: email(), password: BENCH_ADMIN_PASSWORD }),
    }),
  };
}

function forgotStream(ctx: SuiteContext, label: string, email: () => string, firstAddress: number): Stream {
  const address = addressSequence(firstAddress);
  return {
    label,
    next: () => ({
      method: "POST",
      path: "/api/v1/auth/forgot-password",
      headers: { ...writeHeaders(ctx.csrf), "x-forwarded-for": address() },
      body: JSON.stringify({ email: email() }),
    }),
  };
}

export async function authScenarios(ctx: SuiteContext): Promise<AuthFigures> {
  const { pace } = ctx;
  const loginEmails = await ctx.db.activeUsers(BENCH_CO, "user", "email_normalized", 2_000);
  const session = await signIn(ctx.base, ctx.csrf, BENCH_ADMIN_EMAIL);
  const me: Stream = { label: "me", next: () => ({ path: "/api/v1/auth/me", headers: { cookie: session } }) };

  // The denominator first, while the server idles: what the cores can verify with nothing else to do.
  await ctx.db.settle();
  const argon2 = await measureArgon2Rate(pace.quick ? 2 : 4);
  console.log(`${"bare argon2id verifications (same parameters)".padEnd(52)} ${argon2.perSecond.toFixed(1).padStart(6)} /s  by concurrency ${JSON.stringify(argon2.byConcurrency, (_k, v: unknown) => (typeof v === "number" ? Number(v.toFixed(1)) : v))}`);

  // The issue's ratio: the server on cores of its own, PostgreSQL and this process on the others.
  const ownCores = await loginRatioOnOwnCores(ctx, loginEmails);
  if (ownCores) {
    const { split, loginsPerSecond, argon2: bare } = ownCores;
    console.log(`${`login, the server on core ${split.server} alone`.padEnd(52)} ${loginsPerSecond.toFixed(1).padStart(6)} /s  bare argon2id there ${bare.perSecond.toFixed(1)} /s  ratio ${(loginsPerSecond / bare.perSecond).toFixed(3)}`);
  }
  // And everything sharing every core: the server, PostgreSQL and the load generator.
  const login = await ctx.run({ name: "login (server, PostgreSQL and load generator on all cores)", connections: 10, expect: 200, warmUp: { seconds: 2 }, streams: [loginStream(ctx.csrf, loginEmails)] });
  const sessionAlone = await ctx.run({ name: "session check (GET /auth/me)", connections: 10, expect: 200, warmUp: true, streams: [me] });

  // Both at once, started together: session checks while logins keep every hashing slot busy.
  await ctx.db.clearRateLimits();
  await ctx.db.settle();
  const common = { base: ctx.base, pid: ctx.pid, seconds: pace.seconds };
  const [sessionDuringStorm, stormBesideSessions] = await Promise.all([
    runLoad({ ...common, sideBySide: true, name: "session check during a login storm", connections: 10, expect: 200, streams: [me] }),
    runLoad({ ...common, sideBySide: true, name: "login storm (beside the session checks)", connections: 10, expect: 200, streams: [loginStream(ctx.csrf, loginEmails)] }),
  ]);
  ctx.results.push(sessionDuringStorm, stormBesideSessions);
  console.log(describe(sessionDuringStorm));
  console.log(describe(stormBesideSessions));

  // Forgot password: addresses nobody else in the suite uses, a new client address per request.
  const existing = await ctx.db.activeUsers(BENCH_CO, "user", "email_normalized", pace.forgotEach * 2, 2_000);
  const known = cycle(existing);
  let unknownCount = 0;
  const unknown = () => `nobody.${++unknownCount}@nowhere.bench.example`;
  const existingStream = forgotStream(ctx, "existing", known, 2_000_000);
  const unknownStream = forgotStream(ctx, "unknown", unknown, 3_000_000);
  await ctx.run({ name: "forgot password, existing address", connections: 10, expect: 202, streams: [existingStream] });
  await ctx.run({ name: "forgot password, unknown address", connections: 10, expect: 202, streams: [unknownStream] });
  // The timing comparison: every connection alternates the two, so both see the same load.
  const forgotMixed = await ctx.run({
    name: "forgot password, existing and unknown alternating",
    connections: 10,
    expect: 202,
    seconds: 120,
    amount: pace.forgotEach * 2,
    streams: [existingStream, unknownStream],
  });
  return { argon2, ownCores, login, session: sessionAlone, sessionDuringStorm, stormBesideSessions, forgotMixed };
}
