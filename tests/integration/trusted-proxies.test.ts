import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { createCompany, createUser, type SeedUser } from "../support/factories.ts";
import { auditRowsOf, settleForgotPasswordJobs } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const WRONG_PASSWORD = "not the password at all 1234";

/** The address the service took for one forgot-password request, read from the rate-limit key it counted. */
async function addressCounted(t: TestApp, socket: string, forwardedFor: string | undefined): Promise<string> {
  await t.deps.db.execute(sql`delete from rate_limits`);
  const browser = t.client(socket);
  const reply = await browser.post("/api/v1/auth/forgot-password", { email: "nobody@example.test" }, forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor });
  expect(reply.status).toBe(202);
  // The worker counts the limits (decision 0034): wait until it has taken the request.
  await settleForgotPasswordJobs(t);
  const rows = await queryRows<{ key: string }>(t.deps.db, sql`select key from rate_limits where key like 'reset:forgot:client:%'`);
  expect(rows).toHaveLength(1);
  return (rows[0]?.key ?? "").slice("reset:forgot:client:".length);
}

/** Addresses an attacker writes into the header: real-looking ones, loopback, private ranges, and junk. */
const forgedHop = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom("127.0.0.1", "::1", "10.0.0.2", "10.0.0.3", "unknown", "", " ", "_hidden", "1.2.3.4:80", "[::1]"),
);
const forgedPrefix = fc.array(forgedHop, { minLength: 1, maxLength: 6 });
/** A client's own address: never one of the trusted proxies' (10.0.0.0/8, loopback), which would be read as one more proxy. */
const clientAddress = fc.ipV4().filter((ip) => !ip.startsWith("10.") && !ip.startsWith("127."));

describe.each([
  { trust: "1", proxy: "127.0.0.1", label: "one hop", byAddress: false },
  { trust: "10.0.0.0/8", proxy: "10.0.0.2", label: "the proxies' range", byAddress: true },
  { trust: "loopback", proxy: "127.0.0.1", label: "loopback proxies", byAddress: true },
])("TRUST_PROXY=$trust ($label)", ({ trust, proxy, byAddress }) => {
  let t: TestApp;
  let account: SeedUser;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { TRUST_PROXY: trust } });
    account = await createUser(t.deps, await createCompany(t.deps), { role: "manager" });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A request as the trusted proxy passes it on: whatever the client sent, then the address the proxy saw. */
  const throughProxy = (client: string, forged: string[] = []) => ({ socket: proxy, header: [...forged, client].join(", ") });

  it("takes the address the proxy added, whatever the client wrote to the left of it", async () => {
    await fc.assert(
      fc.asyncProperty(forgedPrefix, clientAddress, async (forged, client) => {
        const { socket, header } = throughProxy(client, forged);
        expect(await addressCounted(t, socket, header)).toBe(client);
      }),
      { numRuns: 60 },
    );
  });

  // Trusting proxies by address also guards against a client that reaches the service directly; a
  // hop count cannot tell the proxy from anyone else, so the README asks that only the proxy reach it.
  it(`${byAddress ? "ignores" : "believes, as a hop count must,"} the header of a client that reaches the service directly`, async () => {
    await fc.assert(
      fc.asyncProperty(forgedPrefix, clientAddress, async (forged, claimed) => {
        const counted = await addressCounted(t, "203.0.113.200", [...forged, claimed].join(", "));
        expect(counted).toBe(byAddress ? "203.0.113.200" : claimed);
      }),
      { numRuns: 30 },
    );
  });

  it("locks one client out after ten wrong passwords however it rotates a forged left-most hop, and audits its real address", async () => {
    const client = "198.51.100.23";
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const { socket, header } = throughProxy(client, [`10.9.${i}.1`]);
      const reply = await t.client(socket).post("/api/v1/auth/login", { email: account.email, password: WRONG_PASSWORD }, { "x-forwarded-for": header });
      statuses.push(reply.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(15).fill(429));
    const addresses = new Set([...(await auditRowsOf(t, "login.failed")), ...(await auditRowsOf(t, "rate_limit.hit"))].map((row) => row.clientAddress));
    expect(addresses).toEqual(new Set([client]));
  });

  it("keeps clients behind the same proxy apart: one locked out does not lock out the account for another", async () => {
    const other = await createUser(t.deps, await createCompany(t.deps), { role: "user" });
    const login = (client: string) =>
      t.client(throughProxy(client).socket).post("/api/v1/auth/login", { email: other.email, password: WRONG_PASSWORD }, { "x-forwarded-for": throughProxy(client).header });
    for (let i = 0; i < 10; i++) expect((await login("198.51.100.31")).status).toBe(401);
    expect((await login("198.51.100.31")).status).toBe(429);
    expect((await login("198.51.100.32")).status).toBe(401);
  });
});

describe("a chain of two proxies (TRUST_PROXY=2)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { TRUST_PROXY: "2" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("takes the address the outer proxy added, past the inner proxy's own", async () => {
    await fc.assert(
      fc.asyncProperty(forgedPrefix, clientAddress, async (forged, client) => {
        expect(await addressCounted(t, "127.0.0.1", [...forged, client, "10.0.0.7"].join(", "))).toBe(client);
      }),
      { numRuns: 30 },
    );
  });
});

describe("TRUST_PROXY=off", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("never reads the header: the connection's address is the client's", async () => {
    await fc.assert(
      fc.asyncProperty(forgedPrefix, async (forged) => {
        expect(await addressCounted(t, "192.0.2.44", forged.join(", "))).toBe("192.0.2.44");
      }),
      { numRuns: 30 },
    );
  });
});
