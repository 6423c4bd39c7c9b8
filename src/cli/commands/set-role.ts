import { z } from "zod";
import { ROLES } from "../../features/access/roles.ts";
import { setRoleAsOperator } from "../../features/users/set-role-as-operator.ts";
import { Email } from "../../http/api/v1/schemas.ts";
import { option, parseOptions, type CliCommand } from "../command.ts";

const RoleOption = z.enum(ROLES, { message: `must be one of ${ROLES.join(", ")}` });

export const setRoleCommand: CliCommand = {
  name: "set-role",
  summary: "change a user's role, administrators included",
  help: `Usage: latchkey set-role --email <email> --role <${ROLES.join("|")}>

The operator's override of the roles table: the only way to make someone an
administrator or to take that role away. A company's last active administrator
keeps the role. The change is audited with no actor and {"via":"cli"}, and takes
effect on the user's next request.`,
  prepare(argv) {
    const values = parseOptions("set-role", argv, { email: { type: "string" }, role: { type: "string" } });
    const email = option("set-role", values, "email", Email, true);
    const role = option("set-role", values, "role", RoleOption, true);
    return async (deps, io) => {
      const result = await setRoleAsOperator(deps, { email, role });
      const who = `${result.user.email} (${result.user.companyName})`;
      io.out(result.changed ? `${who}: ${result.from} → ${result.to}.` : `${who} is already ${result.to}; nothing changed.`);
    };
  },
};
