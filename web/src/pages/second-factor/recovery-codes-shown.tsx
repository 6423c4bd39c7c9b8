import { useState } from "react";

/**
 * Recovery codes, shown once: listed for reading aloud or writing down, copied or saved as a file.
 * The server keeps only their digests, so this is the one chance to keep them.
 */
export function RecoveryCodesShown({ codes, headingId }: { codes: string[]; headingId: string }) {
  const [copied, setCopied] = useState<string>("");
  const text = `Latchkey recovery codes\nEach code works once.\n\n${codes.join("\n")}\n`;
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("The codes were copied to the clipboard.");
    } catch {
      setCopied("The clipboard is not available here: download the codes or write them down.");
    }
  }
  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "latchkey-recovery-codes.txt";
    link.click();
    URL.revokeObjectURL(url);
  }
  return (
    <div className="recovery-codes">
      <h3 id={headingId}>Your recovery codes</h3>
      <p>
        If you lose your phone, each of these codes signs you in once instead of a code from the app. <strong>Keep them somewhere safe now: they will not be shown again.</strong>
      </p>
      <ol className="recovery-code-list" aria-labelledby={headingId}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="button-row">
        <button type="button" className="button" onClick={() => void copy()}>
          Copy codes
        </button>
        <button type="button" className="button" onClick={download}>
          Download codes
        </button>
      </div>
      <p className="field-hint" aria-live="polite">
        {copied}
      </p>
    </div>
  );
}
