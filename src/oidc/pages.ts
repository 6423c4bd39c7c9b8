/**
 * The few pages the provider renders itself (errors it cannot send back to an application, the
 * sign-out confirmation). Escaped, no inline style or script of ours, no third-party font (the
 * library's defaults pull one from Google); /provider.css comes from the dashboard's build.
 */
const escape = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Latchkey</title>
<link rel="stylesheet" href="/provider.css">
</head>
<body>
<main class="provider-card">
<p class="provider-brand">Latchkey</p>
${body}
</main>
</body>
</html>`;
}

/** An error the provider may not redirect to the application (an unregistered redirect URI, an unknown client). */
export function errorPage(out: { error?: string; error_description?: string }): string {
  const description = out.error_description ?? "The request could not be completed.";
  return page(
    "Sign-in request refused",
    `<h1>This sign-in request cannot continue</h1>
<p>${escape(description)}</p>
<p class="provider-code">Error: <code>${escape(out.error ?? "invalid_request")}</code></p>
<p>Go back to the application and start again. If this keeps happening, tell the application's administrator.</p>`,
  );
}

/** RP-initiated logout: the provider's form (with its own xsrf secret) and two buttons naming the application. */
export function logoutPage(form: string, clientName: string | null): string {
  const from = clientName ? ` ${escape(clientName)} asks you to sign out.` : "";
  return page(
    "Sign out",
    `<h1>Sign out of Latchkey?</h1>
<p>${from} Signing out ends your Latchkey sign-in in this browser and in the applications you signed in to with it.</p>
${form}
<div class="provider-actions">
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout" class="provider-primary">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>
</div>`,
  );
}

export function signedOutPage(clientName: string | null): string {
  return page(
    "Signed out",
    `<h1>You are signed out</h1>
<p>${clientName ? `You signed out of ${escape(clientName)} and Latchkey.` : "You signed out of Latchkey."}</p>
<p><a href="/login">Sign in again</a></p>`,
  );
}
