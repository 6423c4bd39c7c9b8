export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface EmailParts {
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** What to do if the email was not expected. */
  footer: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** One layout for every email: the same words in plain text and in HTML. */
export function renderEmail(parts: EmailParts): EmailContent {
  const text = [
    parts.greeting,
    "",
    ...parts.paragraphs.flatMap((p) => [p, ""]),
    ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`, ""] : []),
    parts.footer,
    "",
    "— Latchkey",
  ].join("\n");
  const button = parts.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(parts.action.url)}" style="background:#1d4ed8;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(parts.action.label)}</a></p>
<p style="font-size:13px;color:#4b5563">Or copy this address into your browser:<br><span style="word-break:break-all">${escapeHtml(parts.action.url)}</span></p>`
    : "";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(parts.subject)}</title></head>
<body style="margin:0;padding:24px;background:#f3f4f6;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#111827">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
<p style="font-weight:700;font-size:18px;margin:0 0 24px">Latchkey</p>
<p>${escapeHtml(parts.greeting)}</p>
${parts.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${button}
<p style="font-size:13px;color:#4b5563;border-top:1px solid #e5e7eb;padding-top:16px;margin-top:24px">${escapeHtml(parts.footer)}</p>
</div></body></html>`;
  return { subject: parts.subject, text, html };
}

/** Built once: a DateTimeFormat costs more to make than a whole email takes to render. */
let expiryFormat: Intl.DateTimeFormat | null = null;

/** An absolute time a reader anywhere can place: "Tuesday, 24 November 2026, 09:15 UTC". */
export function formatExpiry(date: Date): string {
  expiryFormat ??= new Intl.DateTimeFormat("en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    hourCycle: "h23",
  });
  return `${expiryFormat.format(date)} UTC`;
}
