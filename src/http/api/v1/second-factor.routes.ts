import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { confirmTotpInSettings, regenerateRecoveryCodes, startTotpInSettings, turnOffTotp } from "../../../features/second-factor/account-totp.ts";
import { describePendingSignIn } from "../../../features/second-factor/describe-pending-sign-in.ts";
import { confirmEnrolmentAtSignIn, startEnrolmentAtSignIn } from "../../../features/second-factor/enrol-at-sign-in.ts";
import { secondFactorSettings } from "../../../features/second-factor/second-factor-settings.ts";
import type { SignInResult } from "../../../features/second-factor/sign-in.ts";
import { takeSecondStep } from "../../../features/second-factor/take-second-step.ts";
import { clearSignInChallengeCookie, personOf, requirePerson, setSessionCookie, setSignInChallengeCookie, signInChallengeOf } from "../../middleware/session.ts";
import { Ok, Password, errors } from "./schemas.ts";

const Code = z.string().trim().min(1, "Enter the code.").max(64);
const Method = z.enum(["totp", "passkey", "recovery_code"]);
/** The step a sign-in owes after the password (decision 0037). `methods` grows as factors do (passkeys). */
export const SecondStep = z.object({
  purpose: z.enum(["second_factor", "enrol"]),
  methods: z.array(Method),
  expiresAt: z.iso.datetime(),
  reason: z.enum(["reset", "policy"]).optional().describe("enrol: an administrator reset your second factor, or your company's policy requires one"),
});
/** The sign-in's answer: signed in (perhaps with a policy's deadline ahead), or a second step owed. */
export const SignInAnswer = z.object({ ok: z.literal(true), secondStep: SecondStep.optional(), enrolBy: z.iso.datetime().optional() });
const TotpEnrolment = z.object({ secret: z.string(), otpauthUri: z.string(), qrCode: z.string().describe("An SVG data URL of the otpauth:// address") });
const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
const Settings = z.object({
  totp: z.object({ status: z.enum(["off", "pending", "on"]), since: z.iso.datetime().nullable() }),
  recoveryCodesLeft: z.number().int().nullable(),
  requiredFrom: z.iso.datetime().nullable(),
  enrolmentOwed: z.boolean(),
});

/** The sign-in's answer, and its cookie: the session's, or the half-finished sign-in's. */
export function answerSignIn(deps: Deps, reply: FastifyReply, result: SignInResult): z.infer<typeof SignInAnswer> {
  if (result.kind === "second_step") {
    setSignInChallengeCookie(deps, reply, result.challengeToken, result.step.expiresAt);
    return { ok: true, secondStep: { ...result.step, expiresAt: result.step.expiresAt.toISOString() } };
  }
  setSessionCookie(deps, reply, result.sessionToken);
  return { ok: true, ...(result.enrolBy ? { enrolBy: result.enrolBy.toISOString() } : {}) };
}

/** The second step of a sign-in (the dashboard's and an application's), behind the challenge's cookie. */
export function secondStepRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/auth/second-factor",
      { schema: { tags: ["auth"], summary: "The second step a half-finished sign-in owes", response: { 200: SecondStep.extend({ recoveryCodesLeft: z.number().int().nullable() }), ...errors(401) } } },
      async (request) => {
        const step = await describePendingSignIn(deps, signInChallengeOf(deps, request));
        return { ...step, expiresAt: step.expiresAt.toISOString() };
      },
    );

    app.post(
      "/auth/second-factor",
      {
        schema: {
          tags: ["auth"],
          summary: "Finish signing in with a code from the authenticator app or a recovery code",
          body: z.strictObject({ method: z.enum(["totp", "recovery_code"]), code: Code }),
          response: { 200: Ok.extend({ recoveryCodesLeft: z.number().int().nullable() }), ...errors(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const result = await takeSecondStep(deps, { ...request.body, challengeToken: signInChallengeOf(deps, request), clientAddress: request.ip, userAgent: request.headers["user-agent"] });
        clearSignInChallengeCookie(deps, reply);
        setSessionCookie(deps, reply, result.sessionToken);
        return { ok: true as const, recoveryCodesLeft: result.recoveryCodesLeft };
      },
    );

    app.post(
      "/auth/second-factor/enrol/totp",
      { schema: { tags: ["auth"], summary: "At a sign-in that owes a second factor: a new key for an authenticator app", response: { 200: TotpEnrolment, ...errors(401, 409) } } },
      async (request) => startEnrolmentAtSignIn(deps, signInChallengeOf(deps, request)),
    );

    app.post(
      "/auth/second-factor/enrol/totp/confirm",
      {
        schema: {
          tags: ["auth"],
          summary: "At a sign-in that owes a second factor: turn the app on with its first code, and finish signing in",
          body: z.strictObject({ code: Code }),
          response: { 200: Ok.extend(RecoveryCodes.shape), ...errors(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const result = await confirmEnrolmentAtSignIn(deps, { code: request.body.code, challengeToken: signInChallengeOf(deps, request), clientAddress: request.ip, userAgent: request.headers["user-agent"] });
        clearSignInChallengeCookie(deps, reply);
        setSessionCookie(deps, reply, result.sessionToken);
        return { ok: true as const, recoveryCodes: result.recoveryCodes };
      },
    );
  };
}

/** The signed-in person's own second factor (account settings). */
export function secondFactorAccountRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requirePerson(deps));

    app.get(
      "/account/second-factor",
      { schema: { tags: ["account"], summary: "Your two-factor authentication", response: { 200: Settings, ...errors(401) } } },
      async (request) => {
        const settings = await secondFactorSettings(deps, personOf(request));
        return { ...settings, totp: { status: settings.totp.status, since: settings.totp.since?.toISOString() ?? null }, requiredFrom: settings.requiredFrom?.toISOString() ?? null };
      },
    );

    app.post(
      "/account/second-factor/totp",
      { schema: { tags: ["account"], summary: "Start setting up an authenticator app: its key and QR code", response: { 200: TotpEnrolment, ...errors(401, 409) } } },
      async (request) => startTotpInSettings(deps, personOf(request)),
    );

    app.post(
      "/account/second-factor/totp/confirm",
      { schema: { tags: ["account"], summary: "Turn the authenticator app on with its first code (returns the recovery codes, once)", body: z.strictObject({ code: Code }), response: { 200: RecoveryCodes, ...errors(400, 401, 409, 422, 429) } } },
      async (request) => confirmTotpInSettings(deps, personOf(request), request.body.code),
    );

    app.post(
      "/account/second-factor/totp/disable",
      { schema: { tags: ["account"], summary: "Turn the authenticator app off (asks for the password)", body: z.strictObject({ password: Password }), response: { 200: Ok, ...errors(400, 401, 409) } } },
      async (request) => {
        await turnOffTotp(deps, personOf(request), request.body.password);
        return { ok: true as const };
      },
    );

    app.post(
      "/account/second-factor/recovery-codes",
      { schema: { tags: ["account"], summary: "Replace your recovery codes (asks for the password; the old set stops working)", body: z.strictObject({ password: Password }), response: { 200: RecoveryCodes, ...errors(400, 401, 409) } } },
      async (request) => regenerateRecoveryCodes(deps, personOf(request), request.body.password),
    );
  };
}
