import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";
import type { ResetAskedBy } from "./password-reset.ts";

/** Who reset the factors: an administrator, a team member of the parent, a machine client, or the operator. */
export type SecondFactorResetBy = Extract<ResetAskedBy, { kind: "administrator" | "team_member" | "integration" }> | { kind: "operator" };

export interface SecondFactorResetEmailInput {
  recipientName: string;
  resetBy: SecondFactorResetBy;
  resetAt: Date;
  loginUrl: string;
}

const ROLE_WORDS: Record<string, string> = { administrator: "administrator", manager: "manager", user: "user", read_only: "read-only user" };

function whoDidIt(by: SecondFactorResetBy): { subject: string; sentence: string; unexpected: string } {
  const takeOver = "someone may be trying to take over your account";
  switch (by.kind) {
    case "administrator": {
      const role = ROLE_WORDS[by.role] ?? by.role;
      return {
        subject: `${by.name} reset the two-factor sign-in of your Latchkey account`,
        sentence: `${by.name}, ${role} of ${by.companyName}, reset the two-factor sign-in of your account`,
        unexpected: `If you did not ask for this, ${takeOver}: contact ${by.name} or another administrator of ${by.companyName} right away.`,
      };
    }
    case "team_member": {
      const role = ROLE_WORDS[by.role] ?? by.role;
      return {
        subject: `${by.name} reset the two-factor sign-in of your Latchkey account`,
        sentence: `${by.name} (${role} at ${by.companyName}), on behalf of ${by.onBehalfOf}, reset the two-factor sign-in of your account`,
        unexpected: `If you did not ask for this, ${takeOver}: contact an administrator of ${by.onBehalfOf} right away.`,
      };
    }
    case "integration": {
      const where = by.onBehalfOf ? `, on behalf of ${by.onBehalfOf}` : "";
      return {
        subject: `${by.companyName} reset the two-factor sign-in of your Latchkey account`,
        sentence: `The two-factor sign-in of your account was reset through ${by.companyName}'s integration ${by.clientName}${where}`,
        unexpected: `If you did not ask for this, ${takeOver}: contact an administrator of ${by.onBehalfOf ?? by.companyName} right away.`,
      };
    }
    case "operator":
      return {
        subject: "The two-factor sign-in of your Latchkey account was reset",
        sentence: "The operator of this Latchkey installation reset the two-factor sign-in of your account",
        unexpected: `If you did not ask for this, ${takeOver}: contact your administrator right away.`,
      };
  }
}

/** Sent when an administrator (or the operator) removed the user's second factors: who, for which company, and what comes next. */
export function secondFactorResetEmail(input: SecondFactorResetEmailInput): EmailContent {
  const who = whoDidIt(input.resetBy);
  return renderEmail({
    subject: who.subject,
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `${who.sentence} on ${formatExpiry(input.resetAt)}.`,
      "Your authenticator app, passkeys and recovery codes no longer work for this account, and every session of your account was signed out. Your password has not changed.",
      "The next time you sign in, you will be asked to set up a second factor again.",
    ],
    action: { label: "Sign in", url: input.loginUrl },
    footer: who.unexpected,
  });
}
