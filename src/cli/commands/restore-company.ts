import { restoreCompany } from "../../features/companies/restore-company.ts";
import { AppError } from "../../errors.ts";
import { Uuid } from "../../http/api/v1/schemas.ts";
import { option, parseOptions, type CliCommand } from "../command.ts";

export const restoreCompanyCommand: CliCommand = {
  name: "restore-company",
  summary: "bring back a deleted company",
  help: `Usage: latchkey restore-company --id <company id>

Undoes an administrator's "delete company". Its users come back as they were before the
deletion (users deactivated before stay deactivated); sessions and links that died with
the deletion stay dead. Find the id with \`latchkey list-companies\`.`,
  prepare(argv) {
    const values = parseOptions("restore-company", argv, { id: { type: "string" } });
    const companyId = option("restore-company", values, "id", Uuid, true);
    return async (deps, io) => {
      const result = await restoreCompany(deps.db, companyId, deps.clock.now());
      if (result.ok) io.out(`Company "${result.company.name}" (${result.company.id}) is restored.`);
      else if (result.reason === "not_deleted") io.out(`Company ${companyId} is not deleted; nothing changed.`);
      else throw new AppError("NOT_FOUND", `No company has the id ${companyId}.`);
    };
  },
};
