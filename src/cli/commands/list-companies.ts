import { listCompaniesForOperator } from "../../features/companies/list-companies-for-operator.ts";
import { formatTable, formatTime, parseOptions, type CliCommand } from "../command.ts";

export const listCompaniesCommand: CliCommand = {
  name: "list-companies",
  summary: "list every company, deleted ones included",
  help: `Usage: latchkey list-companies

One line per company: id, name, number of users, whether it is a multi-company
profile, its parent, when it was created and, if so, deleted.`,
  prepare(argv) {
    parseOptions("list-companies", argv, {});
    return async (deps, io) => {
      const rows = await listCompaniesForOperator(deps.db);
      if (rows.length === 0) {
        io.out("No companies yet. Create one with `latchkey create-company` or `latchkey demo`.");
        return;
      }
      const table = formatTable(
        ["id", "name", "users", "multi-company", "parent", "created", "deleted"],
        rows.map((c) => [c.id, c.name, String(c.users), c.isMultiCompany ? "yes" : "no", c.parentName ?? "", formatTime(c.createdAt), formatTime(c.deletedAt)]),
      );
      for (const line of table) io.out(line);
    };
  },
};
