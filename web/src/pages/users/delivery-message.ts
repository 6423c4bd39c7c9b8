import type { PasswordReset, UserDetail } from "../../api/types.ts";
import type { FormMessage } from "../../components/notice.tsx";
import { describeValidity } from "../../lib/format.ts";

/** A link just sent from the user page, whose email the banner follows until it has left (decision 0051). */
export interface LinkSent {
  resetId: string;
  what: "reset" | "invitation";
  expiresAt: string;
}

type Delivery = Pick<PasswordReset, "emailStatus" | "emailProblem">;

/**
 * The banner after "Reset password", "Resend invitation" or "Send again": it says "queued" until
 * the email has left, and then what became of it, with the reason when it did not.
 */
export function linkDeliveryMessage(user: Pick<UserDetail, "email">, sent: LinkSent, delivery: Delivery | null): FormMessage {
  const link = sent.what === "invitation" ? "The invitation" : "The password reset link";
  const valid = `It is valid for ${describeValidity(sent.expiresAt)}.`;
  switch (delivery?.emailStatus ?? "queued") {
    case "sent":
      return { tone: "success", text: `${link} was sent to ${user.email}. ${valid}` };
    case "retrying":
      return { tone: "warning", text: `${link} to ${user.email} is queued, not sent yet. ${delivery?.emailProblem ?? ""}` };
    case "failed":
      return { tone: "error", text: `${link} to ${user.email} could not be sent. ${delivery?.emailProblem ?? ""} Use Send again under Password resets once the mail server is fixed.` };
    case "dropped":
      return { tone: "info", text: `${link} to ${user.email} was not sent. ${delivery?.emailProblem ?? ""}` };
    default:
      return { tone: "info", text: `${link} to ${user.email} is queued and goes out in a moment. This message changes when it has been sent.` };
  }
}

/** Whether the email has reached its last state: the banner stops following it. */
export const deliverySettled = (delivery: Delivery | null) => delivery?.emailStatus === "sent" || delivery?.emailStatus === "failed" || delivery?.emailStatus === "dropped";
