/** Signing in and switching company over HTTP, to hand autocannon ready-made cookies. */
import { BENCH_ADMIN_PASSWORD } from "./support.ts";

export interface Csrf {
  /** `latchkey_csrf=…`, to send with every write. */
  cookie: string;
  token: string;
}

function cookiePairs(reply: Response): string[] {
  return reply.headers.getSetCookie().map((line) => line.split(";")[0] ?? "").filter(Boolean);
}

/** A CSRF secret and its token for requests without a session (sign-in, forgot password, links). */
export async function fetchCsrf(base: string): Promise<Csrf> {
  const reply = await fetch(`${base}/api/v1/csrf-token`);
  const [cookie] = cookiePairs(reply);
  const { token } = (await reply.json()) as { token: string };
  if (!cookie) throw new Error("no CSRF cookie");
  return { cookie, token };
}

/** The token for writes of one session: a token is bound to the session it was made for (decision 0017). */
export async function csrfForSession(base: string, csrf: Csrf, session: string): Promise<Csrf> {
  const reply = await fetch(`${base}/api/v1/csrf-token`, { headers: { cookie: `${csrf.cookie}; ${session}` } });
  const { token } = (await reply.json()) as { token: string };
  if (reply.status !== 200) throw new Error(`csrf-token answered ${reply.status}`);
  return { cookie: csrf.cookie, token };
}

export const writeHeaders = (csrf: Csrf, session?: string): Record<string, string> => ({
  "content-type": "application/json",
  "x-csrf-token": csrf.token,
  cookie: session ? `${csrf.cookie}; ${session}` : csrf.cookie,
});

/** Returns the session cookie (`latchkey_session=…`). */
export async function signIn(base: string, csrf: Csrf, email: string, password = BENCH_ADMIN_PASSWORD): Promise<string> {
  const reply = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: writeHeaders(csrf), body: JSON.stringify({ email, password }) });
  const session = cookiePairs(reply).find((pair) => pair.includes("_session="));
  if (reply.status !== 200 || !session) throw new Error(`sign-in as ${email} answered ${reply.status}: run the generators first`);
  return session;
}

export async function switchInto(base: string, csrf: Csrf, session: string, companyId: string): Promise<void> {
  const reply = await fetch(`${base}/api/v1/session/switch`, { method: "POST", headers: writeHeaders(await csrfForSession(base, csrf, session), session), body: JSON.stringify({ companyId }) });
  if (reply.status !== 200) throw new Error(`switching into ${companyId} answered ${reply.status}`);
}

/** GETs once and checks the status, so a scenario never measures a wall of errors. */
export async function expectGet(base: string, path: string, cookie: string, status = 200): Promise<unknown> {
  const reply = await fetch(`${base}${path}`, { headers: { cookie } });
  const body: unknown = await reply.json();
  if (reply.status !== status) throw new Error(`GET ${path} answered ${reply.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}
