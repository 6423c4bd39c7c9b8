import { eq, inArray } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { companies, users } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import type { Role } from "../access/roles.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { hashPassword } from "../auth/passwords.ts";
import { normalizeEmail } from "../email-address.ts";
import { nameSortKey } from "../users/user-name.ts";

export const DEMO_COMPANY_NAME = "Acme Demo";
export const DEMO_ADMIN_EMAIL = "admin@acme.example";
/** Printed by the CLI: the demo is for a first look on a machine of one's own. */
export const DEMO_PASSWORD = "latchkey-demo-password";

const PEOPLE: Array<[name: string, role: Role]> = [
  ["Ada Admin", "administrator"],
  ["Max Manager", "manager"],
  ["Grace Hopper", "user"],
  ["Alan Turing", "user"],
  ["Katherine Johnson", "user"],
  ["Edsger Dijkstra", "user"],
  ["Barbara Liskov", "user"],
  ["Donald Knuth", "user"],
  ["Frances Allen", "user"],
  ["John McCarthy", "user"],
  ["Margaret Hamilton", "user"],
  ["Dennis Ritchie", "user"],
  ["Radia Perlman", "user"],
  ["Ken Thompson", "user"],
  ["Shafi Goldwasser", "user"],
  ["Tony Hoare", "user"],
  ["Hedy Lamarr", "user"],
  ["Leslie Lamport", "user"],
  ["Sophie Wilson", "user"],
  ["Niklaus Wirth", "user"],
  ["Annie Easley", "read_only"],
  ["Claude Shannon", "read_only"],
  ["Mary Allen Wilkes", "read_only"],
  ["Whitfield Diffie", "read_only"],
  ["Evelyn Berezin", "read_only"],
];

function demoEmail(name: string, role: Role): string {
  if (role === "administrator") return DEMO_ADMIN_EMAIL;
  if (role === "manager") return "manager@acme.example";
  return `${name.toLowerCase().replaceAll(" ", ".")}@acme.example`;
}

export const DEMO_USERS = PEOPLE.map(([name, role]) => ({ name, role, email: demoEmail(name, role) }));

/**
 * A demo company for a first look. Running it again adds whatever is missing and changes
 * nothing that exists, so a demo someone has been playing with keeps their changes.
 */
export async function createDemoCompany(deps: Pick<Deps, "db" | "clock" | "config">) {
  if (deps.config.env === "production") {
    throw new AppError("FORBIDDEN", "The demo company has a published password: it is refused when NODE_ENV=production.");
  }
  // One hash for every demo user: they share the printed password, and 25 argon2 runs would be slow for nothing.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: companies.id, name: companies.name })
      .from(users)
      .innerJoin(companies, eq(companies.id, users.companyId))
      .where(eq(users.emailNormalized, normalizeEmail(DEMO_ADMIN_EMAIL)))
      .limit(1);
    let company = existing;
    if (!company) {
      [company] = await tx
        .insert(companies)
        .values({ name: DEMO_COMPANY_NAME, contactEmail: DEMO_ADMIN_EMAIL, phone: "+1 555 0100", address: "1 Demo Way, Springfield", createdAt: now, updatedAt: now })
        .returning({ id: companies.id, name: companies.name });
      if (!company) throw new Error("company insert returned nothing");
    }
    const companyId = company.id;
    const inserted = await tx
      .insert(users)
      .values(
        DEMO_USERS.map((person) => ({
          companyId,
          email: person.email,
          emailNormalized: normalizeEmail(person.email),
          name: person.name,
          nameSort: nameSortKey(person.name),
          role: person.role,
          passwordHash,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      )
      // An address already taken (by the earlier demo, or by anyone) is left as it is.
      .onConflictDoNothing({ target: users.emailNormalized })
      .returning({ id: users.id });
    if (!existing) {
      await recordAuditEvent(tx, { action: "company.registered", actorUserId: null, targetCompanyId: companyId, details: { via: "cli", demo: true }, at: now });
    }
    const present = await tx
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.emailNormalized, DEMO_USERS.map((person) => normalizeEmail(person.email))));
    return { company, created: !existing, usersAdded: inserted.length, usersPresent: present.length };
  });
}
