// The app's HTML. Every value that came from outside (claims, errors, API answers) goes through
// `escape`: a user's name is whatever they typed into Latchkey.
import type { ApiResult, IdentityClaims, KnownCompany, Notice, SignedIn } from "./sessions.ts";

export function escape(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char);
}

const ROLES: Record<string, string> = { administrator: "Administrator", manager: "Manager", user: "User", read_only: "Read-only" };

/** How the person holds access to the acting company, in words. */
function accessInWords(claims: IdentityClaims): string {
  const home = claims.home_company_name ?? "their own company";
  switch (claims.company_access) {
    case "member":
      return "Member of this company";
    case "grant":
      return `Management grant, as a team member of ${home}`;
    case "parent_administrator":
      return `Administrator of the parent company ${home}`;
    default:
      return claims.company_access ? String(claims.company_access) : "Not stated (was the company scope granted?)";
  }
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Platform app</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header class="bar"><a class="brand" href="/">Platform app</a><span class="tagline">an example application signing in with Latchkey</span></header>
<main>
${body}
</main>
</body>
</html>`;
}

function noticeBlock(notice: Notice | undefined): string {
  if (!notice) return "";
  const role = notice.tone === "error" ? "alert" : "status";
  return `<p class="notice ${notice.tone}" role="${role}">${escape(notice.text)}</p>`;
}

export function signedOutPage(notice: Notice | undefined, lastCompany: KnownCompany | undefined): string {
  return page(
    "Sign in",
    `<h1>Welcome to the platform app</h1>
${noticeBlock(notice)}
<section class="card" aria-labelledby="sign-in-heading">
  <h2 id="sign-in-heading">Sign in</h2>
  <p>You sign in with your Latchkey account. A team member of a company that manages other companies can choose which company to work in.</p>
  <form method="post" action="/login" class="actions">
    <button type="submit" name="company" value="own" class="primary">Sign in with Latchkey</button>
    <button type="submit" name="company" value="select">Sign in to a linked company</button>
    ${lastCompany ? `<button type="submit" name="company" value="${escape(lastCompany.id)}">Sign in to ${escape(lastCompany.name)} again</button>` : ""}
  </form>
</section>`,
  );
}

export function signedInPage(user: SignedIn, notice: Notice | undefined, apiResult: ApiResult | undefined): string {
  const claims = user.claims;
  const rows: Array<[string, string]> = [
    ["Name", escape(claims.name ?? "(not shared)")],
    ["Email", `${escape(claims.email ?? "(not shared)")}${claims.email_verified === true ? ' <span class="badge">verified</span>' : claims.email ? ' <span class="badge warn">not verified</span>' : ""}`],
    ["User id", `<code>${escape(claims.sub)}</code>`],
  ];
  const company: Array<[string, string]> = [
    ["Acting company", escape(claims.company_name ?? "(none: the company scope was not granted)")],
    ["Company id", `<code>${escape(claims.company_id ?? "")}</code>`],
    ["Role", escape(ROLES[String(claims.company_role)] ?? claims.company_role ?? "")],
    ["Access", escape(accessInWords(claims))],
  ];
  if (claims.home_company_id) {
    company.push(["Home company", escape(claims.home_company_name ?? "")], ["Home company id", `<code>${escape(claims.home_company_id)}</code>`]);
  }
  const list = (items: Array<[string, string]>) => `<dl>${items.map(([term, value]) => `<div><dt>${term}</dt><dd>${value}</dd></div>`).join("")}</dl>`;

  return page(
    "Home",
    `<h1>Signed in as ${escape(claims.name ?? claims.email ?? claims.sub)}</h1>
${noticeBlock(notice)}
<div class="grid">
<section class="card" aria-labelledby="you-heading">
  <h2 id="you-heading">You</h2>
  ${list(rows)}
</section>
<section class="card" aria-labelledby="company-heading">
  <h2 id="company-heading">Company</h2>
  ${list(company)}
  <form method="post" action="/login">
    <button type="submit" name="company" value="select">Switch to another company</button>
  </form>
</section>
</div>
<section class="card" aria-labelledby="api-heading">
  <h2 id="api-heading">This app's API</h2>
  <p>The app calls its own <code>/api/me</code> with your access token; the API checks the token against Latchkey's published keys.</p>
  <form method="post" action="/call-api"><button type="submit">Call the API</button></form>
  ${
    apiResult
      ? `<p role="status">The API answered ${escape(apiResult.status)}${apiResult.status === 200 ? " OK" : ""}.</p>
  <pre class="result" aria-label="API answer">${escape(apiResult.body)}</pre>`
      : ""
  }
</section>
<section class="card" aria-labelledby="claims-heading">
  <h2 id="claims-heading">ID token claims</h2>
  <details><summary>Show all claims</summary><pre>${escape(JSON.stringify(claims, null, 2))}</pre></details>
</section>
<form method="post" action="/logout" class="actions"><button type="submit" class="primary">Sign out</button></form>`,
  );
}

export function errorPage(heading: string, message: string, detail?: string): string {
  return page(
    heading,
    `<h1>${escape(heading)}</h1>
<p class="notice error" role="alert">${escape(message)}</p>
${detail ? `<pre class="result">${escape(detail)}</pre>` : ""}
<p><a href="/">Back to the home page</a></p>`,
  );
}

export const STYLESHEET = `
:root { color-scheme: light; --ink: #1c2430; --muted: #4a5566; --line: #d5dbe3; --accent: #1d4ed8; --accent-ink: #fff; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
.bar { display: flex; gap: 1rem; align-items: baseline; padding: 0.75rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; color: var(--ink); text-decoration: none; }
.tagline { color: var(--muted); font-size: 0.9rem; }
main { max-width: 56rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.75rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
dl { margin: 0 0 1rem; }
dl div { display: grid; grid-template-columns: 9rem 1fr; gap: 0.5rem; padding: 0.25rem 0; border-bottom: 1px solid #eef1f5; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85rem; }
pre { background: #f0f3f7; border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; overflow: auto; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; }
button { font: inherit; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: #fff; color: var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: var(--accent-ink); }
button:hover { text-decoration: underline; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.notice { padding: 0.75rem 1rem; border-radius: 6px; border: 1px solid; }
.notice.info { background: #eff6ff; border-color: #93c5fd; }
.notice.error { background: #fef2f2; border-color: #fca5a5; color: #7f1d1d; }
.badge { display: inline-block; font-size: 0.75rem; padding: 0 0.4rem; border-radius: 4px; background: #dcfce7; color: #14532d; }
.badge.warn { background: #fef9c3; color: #713f12; }
`;
