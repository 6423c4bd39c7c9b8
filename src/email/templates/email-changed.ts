import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

/** Who changed the address: someone of the user's own company, or a team member of its parent company. */
export type EmailChangedBy = { name: string; fromCompany: string | null };

export interface EmailChangedEmailInput {
  recipientName: string;
  companyName: string;
  changedBy: EmailChangedBy;
  changedAt: Date;
  /** Already masked (maskEmailAddress): this goes to the old address, which may no longer be the owner's. */
  newAddressMasked: string;
}

/**
 * Sent to the address an account had until someone else changed it (decision 0021): without it, an
 * address could be moved away, used for a reset and moved back without its owner ever hearing.
 */
export function emailChangedEmail(input: EmailChangedEmailInput): EmailContent {
  const who = input.changedBy.fromCompany ? `${input.changedBy.name} (${input.changedBy.fromCompany})` : input.changedBy.name;
  return renderEmail({
    subject: "The email address of your Latchkey account was changed",
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `${who} changed the email address of your ${input.companyName} account on ${formatExpiry(input.changedAt)}. The new address is ${input.newAddressMasked}.`,
      "From now on, sign-in uses the new address and password reset links go there; this address receives nothing more, except a notice if the password is changed within the next 24 hours.",
    ],
    footer: `If you did not expect this, tell an administrator of ${input.companyName} right away: whoever holds the new address can reset your password. Ask them to put your address back and to send you a password reset.`,
  });
}
