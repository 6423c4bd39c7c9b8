import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { messageOf } from "../api/client.ts";
import { Notice } from "./notice.tsx";

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel?: string;
  danger?: boolean;
  confirmDisabled?: boolean;
  /** Throws to keep the dialog open and show the server's message inside it. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/**
 * A modal confirmation on the native <dialog>: the browser traps focus, closes on Escape and
 * makes the page behind inert. Focus starts on the element marked data-autofocus (the safe
 * choice, or the field to type into) and goes back to what opened the dialog.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, busyLabel, danger, confirmDisabled, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setError(null);
      dialog.showModal();
      dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  function handleClose() {
    const back = opener.current;
    // The button that opened the dialog may be gone (Deactivate became Restore): fall back to the heading.
    if (back?.isConnected) back.focus();
    else document.querySelector<HTMLElement>("main h1")?.focus();
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || confirmDisabled) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      ref.current?.close();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onClose={handleClose}
      onCancel={(event) => {
        if (busy) event.preventDefault();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        <div id={bodyId} className="dialog-body">
          {children}
        </div>
        <div aria-live="polite">{error ? <Notice tone="error">{error}</Notice> : null}</div>
        <div className="dialog-actions">
          <button type="button" className="button" data-autofocus={confirmDisabled === undefined ? true : undefined} onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" className={danger ? "button button-danger" : "button button-primary"} aria-disabled={busy || confirmDisabled ? true : undefined}>
            {busy ? (busyLabel ?? "Working…") : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
