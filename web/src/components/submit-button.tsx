import type { ReactNode } from "react";

/**
 * A form's submit button. While the form is sending it says so and is aria-disabled rather than
 * disabled, so it keeps focus and screen readers still find it; the form ignores a second submit.
 */
export function SubmitButton({ busy, busyLabel, block = false, children }: { busy: boolean; busyLabel: string; block?: boolean; children: ReactNode }) {
  return (
    <button type="submit" className={block ? "button button-primary button-block" : "button button-primary"} aria-disabled={busy || undefined}>
      {busy ? busyLabel : children}
    </button>
  );
}
