import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

export interface PasswordChangedEmailInput {
  recipientName: string;
  changedAt: Date;
  how: "reset" | "change" | "invitation";
  loginUrl: string;
}

export function passwordChangedEmail(input: PasswordChangedEmailInput): EmailContent {
  const how = { reset: "with a password reset link", change: "from your account settings", invitation: "when you accepted your invitation" }[input.how];
  return renderEmail({
    subject: "Your Latchkey password was changed",
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `The password of your account was changed ${how} on ${formatExpiry(input.changedAt)}.`,
      "Every session of your account was signed out. Sign in again with the new password.",
    ],
    action: { label: "Sign in", url: input.loginUrl },
    footer:
      "If you did not change your password, someone else may have access to your email. Use \"Forgot password\" on the sign-in page right away, and tell your administrator.",
  });
}
