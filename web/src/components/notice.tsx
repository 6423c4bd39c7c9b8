import type { ReactNode } from "react";

export type Tone = "success" | "error" | "info" | "warning";

const ICONS: Record<Tone, string> = {
  success: "M5 12.5l4.5 4.5L19 7.5",
  error: "M12 7v6m0 4h.01",
  info: "M12 11v6m0-10h.01",
  warning: "M12 8v5m0 4h.01",
};

/** A coloured message box. Errors interrupt (role=alert); everything else waits its turn. */
export function Notice({ tone, title, children }: { tone: Tone; title?: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role={tone === "error" ? "alert" : "status"}>
      <svg className="notice-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <circle cx="12" cy="12" r="10" />
        <path d={ICONS[tone]} />
      </svg>
      <div className="notice-body">
        {title ? <p className="notice-title">{title}</p> : null}
        {children ? <div className="notice-text">{children}</div> : null}
      </div>
    </div>
  );
}

export interface FormMessage {
  tone: Tone;
  text: ReactNode;
}

/**
 * A live region that is always in the page, so that a message placed into it after a submit is
 * announced by screen readers (a region created together with its text often is not).
 */
export function FormResult({ message }: { message: FormMessage | null }) {
  return (
    <div className="form-result" aria-live="polite" aria-atomic="true">
      {message ? <Notice tone={message.tone}>{message.text}</Notice> : null}
    </div>
  );
}
