import { createDemoCompany, DEMO_ADMIN_EMAIL, DEMO_PASSWORD } from "../../features/companies/create-demo-company.ts";
import { parseOptions, type CliCommand } from "../command.ts";

export const demoCommand: CliCommand = {
  name: "demo",
  summary: `create the demo company "Acme Demo" with 25 users`,
  help: `Usage: latchkey demo

Creates "Acme Demo": an administrator (${DEMO_ADMIN_EMAIL}), a manager
(manager@acme.example), users and read-only users, all with one password that is
printed. Running it again adds what is missing and changes nothing else. Refused
when NODE_ENV=production: the password is public.`,
  prepare(argv) {
    parseOptions("demo", argv, {});
    return async (deps, io) => {
      const result = await createDemoCompany(deps);
      io.out(
        result.created
          ? `Created the demo company "${result.company.name}" with ${result.usersAdded} users.`
          : `The demo company "${result.company.name}" is already here (${result.usersAdded} users added); existing users were left as they are.`,
      );
      io.out(`Sign in at ${deps.config.publicUrl}/login as ${DEMO_ADMIN_EMAIL} (administrator) or manager@acme.example (manager),`);
      io.out(`or any other @acme.example user listed in the dashboard, with the password: ${DEMO_PASSWORD}`);
    };
  },
};
