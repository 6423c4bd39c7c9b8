/**
 * Issue 18's speed goal: a sign-in with an authenticator app (the password, then the second step)
 * against a sign-in with the password alone — the step must be a cheap check, not another hash.
 * Both are measured in alternating slices, as the OpenID sign-in is (scenarios/oidc.ts). A sign-in
 * with TOTP is one flow of two requests: the password (answered with the challenge's cookie), then
 * the current code; its rate counts completed flows.
 */
import { writeHeaders } from "../api-client.ts";
import { CookieJar } from "../browser.ts";
import { ConnectionPool, runFlowLoad, StepFailure } from "../flow-load.ts";
import { addressSequence, cycle, type LoadResult } from "../load.ts";
import type { SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_PASSWORD } from "../support.ts";
import { newTotpSecret, totpCode } from "../../src/features/second-factor/totp.ts";
import { loginStream } from "./login-ratio.ts";
import { alternate } from "./oidc.ts";

export interface SecondFactorFigures {
  login: LoadResult;
  withTotp: LoadResult;
  rounds: number;
}

const CONNECTIONS = 10;

export async function secondFactorScenarios(ctx: SuiteContext): Promise<SecondFactorFigures> {
  const { pace } = ctx;
  const rounds = pace.quick ? 2 : 4;
  const target = { base: ctx.base, pid: ctx.pid, connections: CONNECTIONS };
  // Different people for the two, each code once: 3,000 users with an app outlast a 30-second step at any rate argon2 allows here.
  const plain = await ctx.db.activeUsers("Bench Co", "user", "email_normalized", 2_000, 20_000);
  const enrolled = await ctx.db.activeUsers("Bench Co", "user", "email_normalized", 3_000, 30_000);
  const secret = newTotpSecret();
  await ctx.db.setTotp(enrolled, secret);
  const pool = new ConnectionPool(ctx.base);
  try {
    const email = cycle(enrolled);
    const address = addressSequence(7_000_000);
    const logins = loginStream(ctx.csrf, plain);
    const headers = writeHeaders(ctx.csrf);
    const { login, withTotp } = await alternate(
      ctx,
      rounds,
      {
        // The same load loop on both sides (flow-load.ts, not autocannon): the harness cancels out of the ratio.
        login: {
          name: "sign-in without a second factor (POST /auth/login)",
          run: (name, seconds, keepSamples) =>
            runFlowLoad(
              {
                ...target,
                name,
                seconds,
                keepSamples,
                flow: async (turn) => {
                  const request = logins.next();
                  const reply = await turn.step("password", "POST", request.path, request.headers, request.body);
                  if (reply.status !== 200 || reply.body.includes("secondStep")) throw new StepFailure("password", reply);
                },
              },
              pool,
            ),
        },
        withTotp: {
          name: "sign-in with an authenticator app (password, then the code)",
          run: (name, seconds, keepSamples) =>
            runFlowLoad(
              {
                ...target,
                name,
                seconds,
                keepSamples,
                flow: async (turn) => {
                  const jar = new CookieJar();
                  const from = address();
                  const password = await turn.step("password", "POST", "/api/v1/auth/login", { ...headers, "x-forwarded-for": from }, JSON.stringify({ email: email(), password: BENCH_ADMIN_PASSWORD }));
                  if (password.status !== 200 || !password.body.includes("secondStep")) throw new StepFailure("password", password);
                  jar.store(password.headers["set-cookie"], "/");
                  const cookie = [headers.cookie, jar.header("/api/v1/auth/second-factor")].filter(Boolean).join("; ");
                  const code = await turn.step("code", "POST", "/api/v1/auth/second-factor", { ...headers, cookie, "x-forwarded-for": from }, JSON.stringify({ method: "totp", code: totpCode(secret, new Date()) }));
                  if (code.status !== 200) throw new StepFailure("code", code);
                },
              },
              pool,
            ),
        },
      },
      pace.quick ? 3 : 4,
      2,
    );
    return { login, withTotp, rounds };
  } finally {
    pool.close();
    await ctx.db.setTotp(enrolled, null);
  }
}
