import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";
import type { ResetAskedBy } from "./password-reset.ts";

/** Who signed the user out: an administrator or manager, a team member of the parent, or a machine client. */
type ActorAskedBy = Extract<ResetAskedBy, { kind: "administrator" | "team_member" | "integration" }>;

export interface SignedOutEverywhereEmailInput {
  recipientName: string;
  signedOutBy: ActorAskedBy;
  at: Date;
  loginUrl: string;
}

const ROLE_WORDS: Record<string, string> = { administrator: "administrator", manager: "manager", user: "user", read_only: "read-only user" };

function who(by: ActorAskedBy): { name: string; sentence: string; contact: string } {
  switch (by.kind) {
    case "administrator":
      return { name: by.name, sentence: `${by.name}, ${ROLE_WORDS[by.role] ?? by.role} of ${by.companyName},`, contact: `${by.name} or another administrator of ${by.companyName}` };
    case "team_member":
      return { name: by.name, sentence: `${by.name} (${ROLE_WORDS[by.role] ?? by.role} at ${by.companyName}), on behalf of ${by.onBehalfOf},`, contact: `an administrator of ${by.onBehalfOf}` };
    case "integration":
      return { name: by.companyName, sentence: `${by.companyName}'s integration ${by.clientName}`, contact: `an administrator of ${by.onBehalfOf ?? by.companyName}` };
  }
}

/** Sent when someone else signed the user out of every session (decision 0048): who, when, and that the password still works. */
export function signedOutEverywhereEmail(input: SignedOutEverywhereEmailInput): EmailContent {
  const by = who(input.signedOutBy);
  return renderEmail({
    subject: `${by.name} signed you out of Latchkey everywhere`,
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `${by.sentence} signed you out of every browser and device on ${formatExpiry(input.at)}.`,
      "Your password and second factors have not changed: sign in again to continue.",
    ],
    action: { label: "Sign in", url: input.loginUrl },
    footer: `If you did not expect this, contact ${by.contact}.`,
  });
}
