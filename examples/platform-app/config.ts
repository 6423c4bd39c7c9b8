// The app's settings, read once from the environment. Every URL Latchkey checks (redirect,
// post-logout, back-channel, API audience) is derived from APP_URL, so the values registered with
// `latchkey create-client` and the values this app sends cannot drift apart.

export interface AppSettings {
  /** Latchkey's issuer, e.g. http://localhost:3000 (its PUBLIC_URL). */
  issuer: URL;
  clientId: string;
  /** Absent for a public client, which then authenticates with PKCE alone. */
  clientSecret: string | undefined;
  /** Where this app is reached, e.g. http://127.0.0.1:4000: links are built from it, never from the Host header. */
  appUrl: URL;
  port: number;
  redirectUri: string;
  postLogoutRedirectUri: string;
  backchannelLogoutUri: string;
  /** This app's API as a resource indicator (RFC 8707): the audience of the access tokens it accepts. */
  apiAudience: string;
}

export function readSettings(env: NodeJS.ProcessEnv): AppSettings {
  const problems: string[] = [];
  const url = (name: string, example: string, originOnly: boolean): URL => {
    const value = env[name]?.trim();
    if (!value) {
      problems.push(`${name} is required, e.g. ${example}`);
      return new URL(example);
    }
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http(s)");
      if (parsed.search || parsed.hash || (originOnly && parsed.pathname !== "/")) throw new Error("has a path");
      return parsed;
    } catch {
      problems.push(`${name} must be an http(s) ${originOnly ? "origin without a path" : "URL without query"}, e.g. ${example} (got "${value}")`);
      return new URL(example);
    }
  };

  const issuer = url("LATCHKEY_ISSUER", "http://localhost:3000", false);
  const appUrl = url("APP_URL", "http://127.0.0.1:4000", true);
  const clientId = env.CLIENT_ID?.trim() ?? "";
  if (!clientId) problems.push("CLIENT_ID is required: the client id `latchkey create-client` printed");
  const clientSecret = env.CLIENT_SECRET?.trim() || undefined;
  const port = Number(env.PORT ?? (appUrl.port || "4000"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number (got "${env.PORT}")`);
  if (problems.length > 0) throw new Error(`The platform app cannot start:\n- ${problems.join("\n- ")}`);

  const origin = appUrl.origin;
  return {
    issuer,
    clientId,
    clientSecret,
    appUrl,
    port,
    redirectUri: `${origin}/callback`,
    postLogoutRedirectUri: `${origin}/`,
    backchannelLogoutUri: `${origin}/backchannel-logout`,
    apiAudience: `${origin}/api`,
  };
}
