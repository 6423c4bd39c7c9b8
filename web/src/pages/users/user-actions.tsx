import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { UserDetail } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { describeValidity } from "../../lib/format.ts";

interface ActionProps {
  user: UserDetail;
  onDone: (message: string) => void;
}

/** Sends the user a reset link. The admin never sees the link or the password. */
export function ResetPasswordAction({ user, onDone }: ActionProps) {
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
          const { reset } = await api.triggerReset(user.id);
          onDone(`A password reset link was sent to ${user.email}. It is valid for ${describeValidity(reset.expiresAt)}.`);
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
export function ResendInvitationAction({ user, onDone }: ActionProps) {
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
          await api.resendInvitation(user.id);
          onDone(`A new invitation was sent to ${user.email}.`);
        }}
      >
        <p>
          We will email <strong>{user.email}</strong> a new invitation. The link in any earlier invitation stops working.
        </p>
      </ConfirmDialog>
    </>
  );
}
