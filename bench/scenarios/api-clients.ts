/**
 * Issue 17's machine clients: the users list read with a client's bearer token against the same
 * list read with an administrator's session cookie (the same company of 100,000 users, the same
 * page), in alternating slices of the same run; and the token endpoint's client-credentials grant.
 */
import { expectGet, signIn } from "../api-client.ts";
import { runLoad, type LoadResult, type Stream } from "../load.ts";
import { cli } from "../oidc-flow.ts";
import type { SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_EMAIL } from "../support.ts";
import { alternate } from "./oidc.ts";

export const API_CLIENT_CONNECTIONS = 10;

export interface ApiClientFigures {
  bearerList: LoadResult;
  cookieList: LoadResult;
  tokens: LoadResult;
  rounds: number;
}

interface Credentials {
  clientId: string;
  clientSecret: string;
  audience: string;
}

async function clientCredentialsToken(base: string, client: Credentials): Promise<string> {
  const response = await fetch(`${base}/oidc/token`, {
    method: "POST",
    headers: { authorization: basic(client), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "users:read", resource: client.audience }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`no token for the bench's API client: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

const basic = (client: Credentials) => `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`;

export async function apiClientScenarios(ctx: SuiteContext): Promise<ApiClientFigures> {
  const rounds = ctx.pace.quick ? 2 : 4;
  const target = { base: ctx.base, pid: ctx.pid, connections: API_CLIENT_CONNECTIONS };
  const companyId = await ctx.db.companyId("Bench Co");
  // The CLI runs with the server's environment but not its port: the audience is the server's own PUBLIC_URL's.
  const printed = JSON.parse(cli(ctx.serverEnv, ["create-api-client", "--company", companyId, "--name", "Bench sync", "--scope", "users:read", "--json"]).trim().split("\n").at(-1) ?? "{}") as Credentials;
  const created: Credentials = { ...printed, audience: `${ctx.base}/api/v1` };
  console.log(`(API client ${created.clientId} of Bench Co created with latchkey create-api-client)`);
  try {
    const token = await clientCredentialsToken(ctx.base, created);
    const session = await signIn(ctx.base, ctx.csrf, BENCH_ADMIN_EMAIL);
    const list = "/api/v1/users?limit=25";
    // Both sides answer the same page of the same company.
    const bearerReply = await fetch(`${ctx.base}${list}`, { headers: { authorization: `Bearer ${token}` } });
    if (bearerReply.status !== 200) throw new Error(`the bearer list answered ${bearerReply.status}`);
    const bearerTotal = ((await bearerReply.json()) as { total?: number }).total;
    const cookieTotal = ((await expectGet(ctx.base, list, session)) as { total?: number }).total;
    if (bearerTotal !== cookieTotal) throw new Error(`the bearer and cookie lists differ: ${bearerTotal} and ${cookieTotal} users`);
    const stream = (label: string, headers: Record<string, string>): Stream => ({ label, next: () => ({ path: list, headers }) });
    const slice = (s: Stream) => (name: string, seconds: number, keepSamples: boolean) => runLoad({ ...target, name, seconds, keepSamples, expect: 200, streams: [s] });
    const { bearerList, cookieList } = await alternate(
      ctx,
      rounds,
      {
        bearerList: { name: "users list, bearer token of an API client (100,000 users)", run: slice(stream("bearer", { authorization: `Bearer ${token}` })) },
        cookieList: { name: "users list, administrator's session cookie (100,000 users)", run: slice(stream("cookie", { cookie: session })) },
      },
      ctx.pace.quick ? 2 : 3,
      1,
    );
    const body = new URLSearchParams({ grant_type: "client_credentials", scope: "users:read", resource: created.audience }).toString();
    const tokens = await ctx.run({
      name: "client-credentials grant (POST /oidc/token)",
      connections: API_CLIENT_CONNECTIONS,
      expect: 200,
      warmUp: false,
      streams: [{ label: "token", next: () => ({ method: "POST", path: "/oidc/token", headers: { authorization: basic(created), "content-type": "application/x-www-form-urlencoded" }, body }) }],
    });
    return { bearerList, cookieList, tokens, rounds };
  } finally {
    cli(ctx.serverEnv, ["delete-api-client", "--company", companyId, "--id", created.clientId]);
  }
}
