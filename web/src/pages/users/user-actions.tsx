import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { UserDetail } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import type { LinkSent } from "./delivery-message.ts";

interface ActionProps {
  user: UserDetail;
  onDone: (message: string) => void;
}

interface LinkActionProps {
  user: UserDetail;
  onSent: (sent: LinkSent) => void;
}

/** A new reset link by email: the page's button and a history row's "Send again" alike, so both keep the same rules and limits. */
export async function sendResetLink(user: Pick<UserDetail, "id">): Promise<LinkSent> {
  const { reset } = await api.triggerReset(user.id);
  return { resetId: reset.id, what: "reset", expiresAt: reset.expiresAt };
}

/** A new invitation by email, for someone who has never chosen a password. */
export async function sendInvitationAgain(user: Pick<UserDetail, "id">): Promise<LinkSent> {
  const { reset } = await api.resendInvitation(user.id);
  return { resetId: reset.id, what: "invitation", expiresAt: reset.expiresAt };
}

/** Sends the user a reset link. The admin never sees the link or the password. */
export function ResetPasswordAction({ user, onSent }: LinkActionProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button button-primary" onClick={() => setOpen(true)}>
        Reset password
      </button>
      <ConfirmDialog
        open={open}
        title={`Reset the password of ${user.name}?`}
        confirmLabel="Send reset link"
        busyLabel="Sending…"
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          onSent(await sendResetLink(user));
        }}
      >
        {user.hasPassword ? (
          <p>
            We will email <strong>{user.email}</strong> a link to choose a new password. Their current password keeps working until they use it, and any earlier link stops
            working.
          </p>
        ) : (
          <p>
            {user.name} has no password yet. We will email <strong>{user.email}</strong> a link to choose one, and any earlier link, their invitation&rsquo;s included, stops
            working. To send them the invitation again instead, use <strong>Resend invitation</strong>.
          </p>
        )}
        <p className="muted">You will not see the link or the new password.</p>
      </ConfirmDialog>
    </>
  );
}

/** A fresh invitation for someone who has never set a password (the first one expired or got lost). */
export function ResendInvitationAction({ user, onSent }: LinkActionProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Resend invitation
      </button>
      <ConfirmDialog
        open={open}
        title={`Resend the invitation to ${user.name}?`}
        confirmLabel="Resend invitation"
        busyLabel="Sending…"
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          onSent(await sendInvitationAgain(user));
        }}
      >
        <p>
          We will email <strong>{user.email}</strong> a new invitation. The link in any earlier invitation stops working.
        </p>
      </ConfirmDialog>
    </>
  );
}

/**
 * Removes the user's second factors: they set one up again at their next sign-in. Danger-styled:
 * unlike a reset link, it weakens the account at once; the password stays as it is.
 */
export function ResetSecondFactorAction({ user, onDone }: ActionProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Reset two-factor
      </button>
      <ConfirmDialog
        open={open}
        title={`Reset the two-factor sign-in of ${user.name}?`}
        confirmLabel="Reset two-factor"
        busyLabel="Resetting…"
        danger
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          await api.resetSecondFactor(user.id);
          onDone(`The two-factor sign-in of ${user.name} was reset. They were signed out, and will set up a second factor at their next sign-in. An email telling ${user.email} is queued; its delivery shows under Two-factor sign-in.`);
        }}
      >
        <p>
          Their authenticator app, passkeys and recovery codes stop working now, and every session of theirs ends. At their next sign-in, after their password, they
          set up a second factor again.
        </p>
        <p className="muted">
          Their password does not change. We will email <strong>{user.email}</strong> that you did this. Only do it once you are sure it is them asking.
        </p>
      </ConfirmDialog>
    </>
  );
}
