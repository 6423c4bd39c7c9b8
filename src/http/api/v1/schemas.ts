import { z } from "zod";
import { ROLES } from "../../../features/access/roles.ts";
import { fitForAName, noControlChars } from "../../../features/control-characters.ts";
import { EMAIL_ADDRESS_PATTERN, EMAIL_MAX_LENGTH } from "../../../features/email-address.ts";
import { PERSON_NAME_MAX_LENGTH } from "../../../features/users/user-name.ts";

/** A single string, at most 254 characters, shaped like an address. Arrays and objects are refused (400). */
export const Email = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH)
  .pipe(z.email({ pattern: EMAIL_ADDRESS_PATTERN, message: "Enter a valid email address." }))
  .describe("Email address (the login)");

/** What a search box sends: PostgreSQL refuses a NUL in text, and no name or address holds a control character. */
export const SearchText = z.string().max(200).refine(noControlChars, "Control characters are not allowed.");

/** Checked before the trim, which would otherwise drop a line separator at either end and accept the rest. */
const NAME_CHARACTERS = "Control characters, direction overrides and line separators are not allowed in a name.";
export const PersonName = z.string().refine(fitForAName, NAME_CHARACTERS).trim().min(1, "Enter a name.").max(PERSON_NAME_MAX_LENGTH);
/** An API client's name (decision 0028): shown in the audit log and in emails, so held to the names' rules. */
export const ApiClientName = z.string().refine(fitForAName, NAME_CHARACTERS).trim().min(1, "Enter a name.").max(100);
export const CompanyName = z.string().refine(fitForAName, NAME_CHARACTERS).trim().min(1, "Enter a company name.").max(200);
/** Length rules are the password policy's; this only bounds the work a request can ask for. */
export const Password = z.string().min(1, "Enter a password.").max(1024);
export const Role = z.enum(ROLES);
export const Uuid = z.uuid({ message: "Not a valid id." });
export const IdParams = z.strictObject({ id: Uuid });

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

/** Error responses for the OpenAPI document: each route lists the statuses it can answer. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody.describe("Error")])) as Record<number, typeof ErrorBody>;
}

export const Ok = z.object({ ok: z.literal(true) });
