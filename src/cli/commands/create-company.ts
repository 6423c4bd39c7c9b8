import { createCompanyWithAdmin } from "../../features/companies/create-company-with-admin.ts";
import { CompanyName, Email, PersonName } from "../../http/api/v1/schemas.ts";
import { formatTime, option, parseOptions, type CliCommand } from "../command.ts";

export const createCompanyCommand: CliCommand = {
  name: "create-company",
  summary: "create a company and invite its administrator",
  help: `Usage: latchkey create-company --name <company name> --admin-email <email> [--admin-name <name>]

Creates the company and its administrator. The administrator gets no password: an
invitation email with a link to choose one is queued and delivered by the running
server's email worker (on PGlite, at the next start). Without SMTP_URL the email lands
in the development mailbox, and the link is also printed here.

  --name         the company's name
  --admin-email  the administrator's email address (their login)
  --admin-name   the administrator's name (default: the part of the email before @)`,
  prepare(argv) {
    const values = parseOptions("create-company", argv, {
      name: { type: "string" },
      "admin-email": { type: "string" },
      "admin-name": { type: "string" },
    });
    const companyName = option("create-company", values, "name", CompanyName, true);
    const adminEmail = option("create-company", values, "admin-email", Email, true);
    const adminName = option("create-company", values, "admin-name", PersonName, false) ?? adminEmail.split("@")[0] ?? adminEmail;

    return async (deps, io) => {
      const result = await createCompanyWithAdmin(deps, { companyName, adminEmail, adminName });
      io.out(`Created company "${result.company.name}" (id ${result.company.id}).`);
      io.out(`Administrator ${result.user.email} has no password yet; an invitation is queued (link valid until ${formatTime(result.invitation.expiresAt)}).`);
      if (deps.config.smtpUrl) {
        io.out("The server's email worker sends it through SMTP_URL.");
        return;
      }
      io.out("SMTP_URL is not set, so the email stays in the development mailbox (/dev/mailbox) and is not sent.");
      io.out("Pass the invitation link on yourself:");
      io.out(`  ${result.invitation.url}`);
    };
  },
};
