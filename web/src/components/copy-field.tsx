import { useRef, useState } from "react";

/**
 * A value shown to be copied (a client id, a secret shown once): read-only, selected on focus, with
 * a Copy button that says what it copies; without a clipboard, the value is selected instead.
 */
export function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "select" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("copied");
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for the person to copy.
      input.current?.select();
      setCopied("select");
    }
  }
  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input ref={input} id={id} className="input input-mono" readOnly value={value} spellCheck={false} onFocus={(event) => event.target.select()} />
        <button type="button" className="button" onClick={() => void copy()} aria-describedby={`${id}-copied`}>
          Copy<span className="visually-hidden"> {label.toLowerCase()}</span>
        </button>
      </div>
      <p id={`${id}-copied`} className="field-hint" aria-live="polite">
        {copied === "copied" ? "Copied to the clipboard." : copied === "select" ? "Selected: press Ctrl+C (⌘C) to copy." : ""}
      </p>
    </div>
  );
}
