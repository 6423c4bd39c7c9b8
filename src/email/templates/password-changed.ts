import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

export interface PasswordChangedEmailInput {
  recipientName: string;
  changedAt: Date;
  how: "reset" | "change" | "invitation";
  loginUrl: string;
  /** The account left this address within the last 24 hours; its owner is told too (decision 0021). */
  formerAddress?: boolean;
}

export function passwordChangedEmail(input: PasswordChangedEmailInput): EmailContent {
  const how = { reset: "with a password reset link", change: "from your account settings", invitation: "when you accepted your invitation" }[input.how];
  return renderEmail({
    subject: "Your Latchkey password was changed",
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `The password of your account was changed ${how} on ${formatExpiry(input.changedAt)}.`,
      ...(input.formerAddress
        ? ["You receive this at an address the account used until its email address was changed in the last 24 hours."]
        : []),
      "Every session of your account was signed out. Sign in again with the new password.",
    ],
    action: { label: "Sign in", url: input.loginUrl },
    footer: input.formerAddress
      ? "If you did not change your email address and your password, someone else may have taken over your account: tell your administrator right away."
      : "If you did not change your password, someone else may have access to your email. Use \"Forgot password\" on the sign-in page right away, and tell your administrator.",
  });
}
