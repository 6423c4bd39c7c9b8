import { sql } from "drizzle-orm";
import { preparedStatement } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { countSignIn } from "../../metrics/metrics.ts";
import { checkLoginPassword, completeLogin, type LoginInput } from "../auth/login.ts";
import { createChallenge, newChallengeValues, type ChallengePurpose } from "./challenges.ts";
import { demandOf, FACTS_SELECT, factsOfRow, type EnrolMethod, type FactsRow, type SecondFactorDemand, type SecondStepMethod } from "./demand.ts";

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

const param = (name: string) => sql.placeholder(name);

/**
 * After a right password, in one round trip (a statement prepared once per connection — issue 18's
 * speed goal): what is demanded of the user (demand.ts's facts), and, when they have a factor, the
 * second step's challenge opened at once. Setting one up first (purpose enrol) is rare and opens its
 * challenge after, through createChallenge.
 */
const demandAndChallenge = preparedStatement<FactsRow & { challenge_opened: boolean }, { userId: string; tokenHash: string; clientAddress: string; userAgent: string | null; now: Date; expiresAt: Date }>("sign_in_demand", sql`
    with facts as materialized (
      ${FACTS_SELECT}
      where u.id = ${param("userId")}::uuid
    ),
    opened as (
      insert into sign_in_challenges (token_hash, user_id, purpose, client_address, user_agent, created_at, expires_at)
      select ${param("tokenHash")}::text, user_id, 'second_factor', ${param("clientAddress")}::text, ${param("userAgent")}::text, ${param("now")}::timestamptz, ${param("expiresAt")}::timestamptz
      from facts where has_totp or has_passkey
      returning id
    )
    select facts.*, exists (select 1 from opened) as challenge_opened from facts`);

/**
 * Signing in with a password (the dashboard's page and an application's, through the OpenID
 * provider): when a second factor is owed — the user has one, or must set one up — no session is
 * opened; a challenge is, bound to the browser by its cookie (decision 0037). The only path from a
 * password to a session: there is no other.
 */
export async function signIn(deps: Pick<Deps, "db" | "clock" | "config">, input: LoginInput): Promise<SignInResult> {
  const passed = await checkLoginPassword(deps, input);
  const challenge = newChallengeValues({ userId: passed.userId, purpose: "second_factor", now: passed.now, clientAddress: input.clientAddress, userAgent: input.userAgent });
  const { tokenHash, clientAddress, userAgent, expiresAt } = challenge.row;
  const [facts] = await demandAndChallenge(deps.db, { userId: passed.userId, tokenHash, clientAddress, userAgent, now: passed.now, expiresAt });
  const demand: SecondFactorDemand = facts ? demandOf(factsOfRow(facts), passed.now) : { kind: "none" };
  if (demand.kind === "second_factor") {
    // The statement opened the challenge on the same condition (a factor), which demandOf tests first.
    if (!facts?.challenge_opened) throw new Error("a second factor is owed but no challenge was opened");
    countSignIn("second_factor");
    return { kind: "second_step", challengeToken: challenge.token, step: { purpose: "second_factor", methods: demand.methods, expiresAt: challenge.expiresAt } };
  }
  if (demand.kind === "enrol") {
    const { token, expiresAt } = await createChallenge(deps.db, { userId: passed.userId, purpose: "enrol", now: passed.now, clientAddress: input.clientAddress, userAgent: input.userAgent });
    countSignIn("second_factor");
    return { kind: "second_step", challengeToken: token, step: { purpose: "enrol", methods: demand.methods, expiresAt, reason: demand.reason } };
  }
  const { sessionToken } = await completeLogin(deps, deps.db, { ...passed, clientAddress: input.clientAddress, userAgent: input.userAgent });
  return { kind: "signed_in", sessionToken, enrolBy: demand.kind === "grace" ? demand.deadline : null };
}
