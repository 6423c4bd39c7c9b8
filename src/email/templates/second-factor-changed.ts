import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

/** What happened to the account's second factor; each chooses the email's wording. */
export type SecondFactorChange =
  | { kind: "totp_enabled" }
  | { kind: "totp_disabled" }
  | { kind: "recovery_codes_regenerated" }
  | { kind: "recovery_code_used"; left: number };

export interface SecondFactorChangedEmailInput {
  recipientName: string;
  at: Date;
  change: SecondFactorChange;
  accountUrl: string;
}

function wording(change: SecondFactorChange): { subject: string; what: string; more: string[] } {
  switch (change.kind) {
    case "totp_enabled":
      return { subject: "Two-factor authentication is on", what: "an authenticator app was set up as the second factor of your account", more: ["From now on, signing in asks for a code from the app after your password."] };
    case "totp_disabled":
      return { subject: "Your authenticator app was turned off", what: "the authenticator app was removed from your account", more: [] };
    case "recovery_codes_regenerated":
      return { subject: "Your recovery codes were replaced", what: "a new set of recovery codes was made for your account", more: ["The codes you had before no longer work."] };
    case "recovery_code_used":
      return {
        subject: "A recovery code was used to sign in",
        what: "a recovery code was used to sign in to your account",
        more: [`${change.left} recovery code${change.left === 1 ? " is" : "s are"} left.${change.left <= 3 ? " Make a new set in your account settings." : ""}`],
      };
  }
}

export function secondFactorChangedEmail(input: SecondFactorChangedEmailInput): EmailContent {
  const { subject, what, more } = wording(input.change);
  return renderEmail({
    subject,
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [`On ${formatExpiry(input.at)}, ${what}.`, ...more],
    action: { label: "Open your account settings", url: input.accountUrl },
    footer: "If this was not you, someone else may know your password: use \"Forgot password\" on the sign-in page right away, and tell your administrator.",
  });
}
