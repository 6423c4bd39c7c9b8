import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The journeys of one Playwright worker share one Latchkey server and its database, so a spec that
// registers an address or a company another spec also uses meets "already exists" — or passes only
// in the order CI happens to run them. It happened twice (stops 25 and 26), so every spec's accounts
// and email domains are its own, and this test finds the next collision before CI does.

const e2e = fileURLToPath(new URL("../e2e/", import.meta.url));
const specs = readdirSync(e2e).filter((name) => name.endsWith(".spec.ts"));

/** Addresses and domains of *.test written in a spec, literally or in a template (`p${n}@domain.test`). */
function domainsOf(source: string): Set<string> {
  return new Set([...source.matchAll(/@([a-z0-9-]+(?:\.[a-z0-9-]+)*\.test)\b/gi)].map((m) => m[1]!.toLowerCase()));
}

function companiesOf(source: string): Set<string> {
  return new Set([...source.matchAll(/\bcompany: "([^"]+)"/g)].map((m) => m[1]!));
}

/** Which specs use each key; a key used by two specs is a collision. */
function shared(extract: (source: string) => Set<string>): Record<string, string[]> {
  const users = new Map<string, string[]>();
  for (const spec of specs) for (const key of extract(readFileSync(join(e2e, spec), "utf8"))) users.set(key, [...(users.get(key) ?? []), spec]);
  return Object.fromEntries([...users].filter(([, files]) => files.length > 1));
}

describe("journeys do not share accounts", () => {
  it("finds the specs and what they register (the checks below are not vacuous)", () => {
    expect(specs.length).toBeGreaterThanOrEqual(10);
    expect(domainsOf('const A = { email: "ann@one.test" }; `p${n}@two.example.test`')).toEqual(new Set(["one.test", "two.example.test"]));
    expect(companiesOf('{ company: "Acme Dental", name: "x" }')).toEqual(new Set(["Acme Dental"]));
    expect(shared(domainsOf)).not.toHaveProperty("latchkey.test");
  });

  it("no email domain is used by two specs", () => {
    expect(shared(domainsOf)).toEqual({});
  });

  it("no company name is registered by two specs", () => {
    expect(shared(companiesOf)).toEqual({});
  });
});
