import type { Deps } from "../../deps.ts";
import { countSignIn } from "../../metrics/metrics.ts";
import { checkLoginPassword, completeLogin, type LoginInput } from "../auth/login.ts";
import { createChallenge, type ChallengePurpose } from "./challenges.ts";
import { secondFactorDemand, type EnrolMethod, type SecondStepMethod } from "./demand.ts";

/** The second step owed after a right password: what the sign-in page asks for next. */
export interface SecondStepOwed {
  purpose: ChallengePurpose;
  /** second_factor: the ways this user can take the step; enrol: the factors they can set up. */
  methods: Array<SecondStepMethod | EnrolMethod>;
  expiresAt: Date;
  /** enrol: why — an administrator reset the user's factors, or the company's policy requires one. */
  reason?: "reset" | "policy";
}

export type SignInResult =
  | { kind: "signed_in"; sessionToken: string; /** A policy will require a factor from then on. */ enrolBy: Date | null }
  | { kind: "second_step"; challengeToken: string; step: SecondStepOwed };

/**
 * Signing in with a password (the dashboard's page and an application's, through the OpenID
 * provider): when a second factor is owed — the user has one, or must set one up — no session is
 * opened; a challenge is, bound to the browser by its cookie (decision 0037). The only path from a
 * password to a session: there is no other.
 */
export async function signIn(deps: Pick<Deps, "db" | "clock" | "config">, input: LoginInput): Promise<SignInResult> {
  const passed = await checkLoginPassword(deps, input);
  const demand = await secondFactorDemand(deps.db, passed.userId, passed.now);
  if (demand.kind === "second_factor" || demand.kind === "enrol") {
    const purpose = demand.kind;
    const { token, expiresAt } = await createChallenge(deps.db, { userId: passed.userId, purpose, now: passed.now, clientAddress: input.clientAddress, userAgent: input.userAgent });
    countSignIn("second_factor");
    return { kind: "second_step", challengeToken: token, step: { purpose, methods: demand.methods, expiresAt, ...(demand.kind === "enrol" ? { reason: demand.reason } : {}) } };
  }
  const { sessionToken } = await completeLogin(deps, deps.db, { ...passed, clientAddress: input.clientAddress, userAgent: input.userAgent });
  return { kind: "signed_in", sessionToken, enrolBy: demand.kind === "grace" ? demand.deadline : null };
}
