import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

export interface InvitationEmailInput {
  recipientName: string;
  companyName: string;
  inviterName: string | null;
  /** Sent at a machine client's request (issue 17): named instead of a person. */
  integration?: { clientName: string; companyName: string } | null;
  link: string;
  expiresAt: Date;
}

export function invitationEmail(input: InvitationEmailInput): EmailContent {
  const who = input.integration
    ? `At a request made through ${input.integration.companyName}'s integration ${input.integration.clientName}, you have been invited`
    : input.inviterName
      ? `${input.inviterName} invited you`
      : "You have been invited";
  return renderEmail({
    subject: `You're invited to ${input.companyName} on Latchkey`,
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `${who} to join ${input.companyName}. Choose a password to activate your account.`,
      `This link works once and expires on ${formatExpiry(input.expiresAt)}.`,
    ],
    action: { label: "Choose your password", url: input.link },
    footer: "If you did not expect this invitation, you can ignore this email: no account is usable until a password is chosen.",
  });
}
