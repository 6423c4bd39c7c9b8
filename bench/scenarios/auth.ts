/**
 * Sign-in and forgot password: the argon2-bound path, the session check beside it, and the
 * forgot-password timing that must not tell an existing address from an unknown one.
 */
import { signIn, writeHeaders } from "../api-client.ts";
import { runLoad, addressSequence, cycle, type LoadResult, type Stream } from "../load.ts";
import { describe, type MailedFigures, type SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_EMAIL } from "../support.ts";
import { loginRatioOnAllCores, loginRatioOnOwnCores, loginStream, type LoginRatioFigures, type OwnCoresFigures } from "./login-ratio.ts";

const BENCH_CO = "Bench Co";

export interface AuthFigures {
  /** Logins against bare verifications, everything on every core: the ratio. */
  allCores: LoginRatioFigures;
  /** The same with the server on cores of its own (null where the cores cannot be split). */
  ownCores: OwnCoresFigures | null;
  session: LoadResult;
  sessionDuringStorm: LoadResult;
  stormBesideSessions: LoadResult;
  forgotMixed: LoadResult;
  /** The existing-address scenario counted to its last email. */
  forgotMailed: MailedFigures;
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

function report({ login, hashOnly, argon2 }: LoginRatioFigures): void {
  console.log(describe(login));
  const byConcurrency = Object.entries(argon2.byConcurrency).map(([c, rate]) => `${c} at once ${rate.toFixed(1)}`).join(", ");
  console.log(`${"  bare argon2id verifications on the same cores".padEnd(52)} ${argon2.perSecond.toFixed(1).padStart(6)} /s  (${byConcurrency})  ratio ${(login.rps / argon2.perSecond).toFixed(3)}`);
  if (hashOnly) console.log(`${describe(hashOnly)}  ratio ${(hashOnly.rps / argon2.perSecond).toFixed(3)}`);
}

export async function authScenarios(ctx: SuiteContext): Promise<AuthFigures> {
  const { pace } = ctx;
  const loginEmails = await ctx.db.activeUsers(BENCH_CO, "user", "email_normalized", 2_000);
  const session = await signIn(ctx.base, ctx.csrf, BENCH_ADMIN_EMAIL);
  const me: Stream = { label: "me", next: () => ({ path: "/api/v1/auth/me", headers: { cookie: session } }) };

  // The ratio, then the same with the server on cores of its own (decision 0012).
  const allCores = await loginRatioOnAllCores(ctx, loginEmails);
  report(allCores);
  const ownCores = await loginRatioOnOwnCores(ctx, loginEmails);
  if (ownCores) report(ownCores);
  ctx.results.push(allCores.login, ...(allCores.hashOnly ? [allCores.hashOnly] : []), ...(ownCores ? [ownCores.login] : []));
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
  // At most one request per address, so every answer is one email (a second would supersede the first's link).
  const forgotExisting = await ctx.run({ name: "forgot password, existing address", connections: 10, expect: 202, amount: existing.length, streams: [existingStream] });
  const forgotMailed = await ctx.toLastEmail(forgotExisting);
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
  return { allCores, ownCores, session: sessionAlone, sessionDuringStorm, stormBesideSessions, forgotMixed, forgotMailed };
}
