import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

export interface PasskeyChangedEmailInput {
  recipientName: string;
  change: "added" | "removed";
  passkeyName: string;
  at: Date;
  accountUrl: string;
}

/** "A passkey was added to / removed from your account": the owner hears of every change to how they sign in. */
export function passkeyChangedEmail(input: PasskeyChangedEmailInput): EmailContent {
  const added = input.change === "added";
  return renderEmail({
    subject: added ? "A passkey was added to your Latchkey account" : "A passkey was removed from your Latchkey account",
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      added
        ? `A passkey named “${input.passkeyName}” was added to your account on ${formatExpiry(input.at)}. It can now be used to sign in to your account.`
        : `The passkey named “${input.passkeyName}” was removed from your account on ${formatExpiry(input.at)}. It can no longer be used to sign in.`,
      "You can see and manage your passkeys in your account settings.",
    ],
    action: { label: "Open account settings", url: input.accountUrl },
    footer: added
      ? "If you did not add this passkey, someone else may be signed in to your account: remove the passkey, change your password and tell your administrator right away."
      : "If you did not remove this passkey, someone else may be signed in to your account: change your password and tell your administrator right away.",
  });
}
