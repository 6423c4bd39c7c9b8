import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

/** Who asked for the link, as the recipient should read it. */
export type ResetAskedBy =
  | { kind: "forgot_password" }
  | { kind: "self" }
  | { kind: "administrator"; name: string; role: string; companyName: string }
  | { kind: "team_member"; name: string; role: string; companyName: string; onBehalfOf: string }
  /** A company's machine client (issue 17): "requested through Northwind's integration Billing sync". */
  | { kind: "integration"; clientName: string; companyName: string; onBehalfOf: string | null };

export interface PasswordResetEmailInput {
  recipientName: string;
  askedBy: ResetAskedBy;
  /** The account has no password yet (an invitation never accepted): the link chooses the first one. */
  firstPassword?: boolean;
  link: string;
  expiresAt: Date;
}

const ROLE_WORDS: Record<string, string> = { administrator: "administrator", manager: "manager", user: "user", read_only: "read-only user" };

/** "check with Mary or another administrator" when Mary is one; a manager is named as what they are. */
function orAnAdministrator(role: string, companyName: string): string {
  return `${role === "administrator" ? "another" : "an"} administrator of ${companyName}`;
}

function whoAsked(askedBy: ResetAskedBy, firstPassword: boolean): { subject: string; sentence: string; unexpected: string } {
  const ignore = "nothing changes unless the link is used.";
  // What was asked for, in words true for the account: a reset, or the first password of someone invited.
  const reset = firstPassword ? "send you a link to choose your password" : "reset your password";
  const resetSubject = firstPassword ? "send you a link to set your Latchkey password" : "reset your Latchkey password";
  switch (askedBy.kind) {
    case "forgot_password":
      return {
        subject: firstPassword ? "Set your Latchkey password" : "Reset your Latchkey password",
        sentence: `You asked to ${reset} from the "Forgot password" page.`,
        unexpected: `If you did not ask for this, someone may have typed your address by mistake: ignore this email; ${ignore}`,
      };
    case "self":
      return {
        subject: "Reset your Latchkey password",
        sentence: "You asked to reset your password from your account settings.",
        unexpected: "If you did not ask for this, someone may be signed in as you: tell your administrator right away. Nothing changes unless the link is used.",
      };
    case "administrator": {
      const role = ROLE_WORDS[askedBy.role] ?? askedBy.role;
      return {
        subject: `${askedBy.name} asked to ${resetSubject}`,
        sentence: `${askedBy.name}, ${role} of ${askedBy.companyName}, asked to ${reset}.`,
        unexpected: `If you did not expect this, check with ${askedBy.name} or ${orAnAdministrator(askedBy.role, askedBy.companyName)} before using the link; ${ignore}`,
      };
    }
    case "integration": {
      const where = askedBy.onBehalfOf ? `, on behalf of ${askedBy.onBehalfOf}` : "";
      const ask = askedBy.onBehalfOf ?? askedBy.companyName;
      return {
        subject: `${askedBy.companyName} asked to ${resetSubject}`,
        sentence: `${firstPassword ? "A link to choose your password" : "A reset of your password"} was requested through ${askedBy.companyName}'s integration ${askedBy.clientName}${where}.`,
        unexpected: `If you did not expect this, check with an administrator of ${ask} before using the link; ${ignore}`,
      };
    }
    case "team_member": {
      const role = ROLE_WORDS[askedBy.role] ?? askedBy.role;
      return {
        subject: `${askedBy.name} asked to ${resetSubject}`,
        sentence: `${askedBy.name} (${role} at ${askedBy.companyName}) asked, on behalf of ${askedBy.onBehalfOf}, to ${reset}.`,
        unexpected: `If you did not expect this, check with an administrator of ${askedBy.onBehalfOf} before using the link; ${ignore}`,
      };
    }
  }
}

/** The reset email: what happened, who asked, until when the link works, and what to do if unexpected. */
export function passwordResetEmail(input: PasswordResetEmailInput): EmailContent {
  const first = input.firstPassword === true;
  const who = whoAsked(input.askedBy, first);
  return renderEmail({
    subject: who.subject,
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      who.sentence,
      ...(first ? ["Your account has no password yet: you never accepted your invitation, or it was restored without one."] : []),
      `Choose ${first ? "your" : "a new"} password with the link below. It works once and expires on ${formatExpiry(input.expiresAt)}; after that, ask for a new one.`,
      ...(first ? [] : ["When you set the new password, every session of your account is signed out."]),
    ],
    action: { label: first ? "Choose your password" : "Choose a new password", url: input.link },
    footer: who.unexpected,
  });
}
