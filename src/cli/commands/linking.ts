import { z } from "zod";
import { linkCompany, markMultiCompany, unlinkCompany } from "../../features/linked-companies/link-company.ts";
import { findLiveCompany } from "../../features/linked-companies/linked-companies.queries.ts";
import type { Executor } from "../../db/client.ts";
import { Uuid } from "../../http/api/v1/schemas.ts";
import { CliUsageError, option, parseOptions, type CliCommand } from "../command.ts";

const Allowance = z.coerce
  .number({ message: "must be a whole number" })
  .int("must be a whole number")
  .min(0, "must be 0 or more")
  .max(100_000, "must be at most 100,000");

/** "Initech" (id …) for the operator's terminal: the name they know, and the id they typed. */
async function named(db: Executor, companyId: string): Promise<string> {
  const company = await findLiveCompany(db, companyId);
  return company ? `"${company.name}" (${companyId})` : companyId;
}

const REFUSALS: Record<string, string> = {
  not_found: "no live company has that id",
  parent_not_multi_company: "the parent is not a multi-company profile (run mark-multi-company first)",
  same_company: "a company cannot be linked to itself",
  already_linked: "the company is already linked to a parent (one parent, one level)",
  child_is_multi_company: "a multi-company profile cannot be linked to another company (one level only)",
  child_has_links: "the company has linked companies of its own (one level only)",
  not_linked: "the company is not linked to any parent",
};

function refuse(command: string, reason: string): never {
  throw new CliUsageError(`${command}: ${REFUSALS[reason] ?? reason}.`);
}

export const markMultiCompanyCommand: CliCommand = {
  name: "mark-multi-company",
  summary: "make a company a multi-company profile",
  help: `Usage: latchkey mark-multi-company --id <company id> [--allowance <n>]

Lets the company have linked companies. --allowance is how many linked companies
its administrators may create themselves from the dashboard (default 0: only the
operator links companies). Running it again changes the allowance.`,
  prepare(argv) {
    const values = parseOptions("mark-multi-company", argv, { id: { type: "string" }, allowance: { type: "string" } });
    const companyId = option("mark-multi-company", values, "id", Uuid, true);
    const allowance = option("mark-multi-company", values, "allowance", Allowance, false) ?? 0;
    return async (deps, io) => {
      const result = await markMultiCompany(deps.db, { companyId, allowance, now: deps.clock.now() });
      if (!result.ok) refuse("mark-multi-company", result.reason);
      io.out(`Company ${await named(deps.db, companyId)} is a multi-company profile; it may create ${allowance} linked ${allowance === 1 ? "company" : "companies"} itself.`);
    };
  },
};

export const linkCompanyCommand: CliCommand = {
  name: "link-company",
  summary: "link a company to a multi-company profile",
  help: `Usage: latchkey link-company --parent <company id> --company <company id>

The parent's team members may then manage the company: its administrators at once,
its managers once given a management grant. One level only: a linked company has
no linked companies of its own, and one parent.`,
  prepare(argv) {
    const values = parseOptions("link-company", argv, { parent: { type: "string" }, company: { type: "string" } });
    const parentId = option("link-company", values, "parent", Uuid, true);
    const childId = option("link-company", values, "company", Uuid, true);
    return async (deps, io) => {
      const result = await linkCompany(deps.db, { parentId, childId, now: deps.clock.now() });
      if (!result.ok) refuse("link-company", result.reason);
      io.out(`Company ${await named(deps.db, childId)} is linked to ${await named(deps.db, parentId)}.`);
    };
  },
};

export const unlinkCompanyCommand: CliCommand = {
  name: "unlink-company",
  summary: "un-link a company from its parent",
  help: `Usage: latchkey unlink-company --company <company id>

Every management grant for the company goes at once, and reset links the parent's
team members sent to its users stop working. Its own users keep their logins.
Team members switched into it are refused on their next request.`,
  prepare(argv) {
    const values = parseOptions("unlink-company", argv, { company: { type: "string" } });
    const childId = option("unlink-company", values, "company", Uuid, true);
    return async (deps, io) => {
      const result = await unlinkCompany(deps.db, deps.jobs, { childId, now: deps.clock.now() });
      if (!result.ok) refuse("unlink-company", result.reason);
      io.out(`Company ${await named(deps.db, childId)} is un-linked; ${result.grantsRemoved} management ${result.grantsRemoved === 1 ? "grant" : "grants"} removed.`);
    };
  },
};
