import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import type { CompanyProfile } from "../../../features/companies/company.queries.ts";
import { deleteCompany } from "../../../features/companies/delete-company.ts";
import { getCompany } from "../../../features/companies/get-company.ts";
import { policiesOf, type SecondFactorPolicy as PolicyRow } from "../../../features/companies/second-factor-policy.ts";
import { setSecondFactorPolicy } from "../../../features/companies/set-second-factor-policy.ts";
import { updateCompany } from "../../../features/companies/update-company.ts";
import { actorOf, clearSessionCookie, requireActor } from "../../middleware/session.ts";
import { CompanyName, Email, Ok, errors } from "./schemas.ts";

/** An empty form field clears the value, like null. */
const clearable = <T extends z.ZodType>(schema: T) => z.union([z.literal("").transform(() => null), z.null(), schema]);

const Phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ()./-]+$/, "Use digits, spaces and + ( ) . / - only.")
  .refine((value) => (value.match(/[0-9]/g) ?? []).length >= 3, "Enter a phone number.");
const Address = z
  .string()
  .trim()
  .max(500)
  // Line breaks belong in an address; other control characters do not.
  .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value), "Control characters are not allowed.");

export const UpdateCompanyBody = z
  .strictObject({ name: CompanyName.optional(), contactEmail: clearable(Email).optional(), phone: clearable(Phone).optional(), address: clearable(Address).optional() })
  .refine((body) => Object.values(body).some((value) => value !== undefined), "Give at least one field to change.");
export const SecondFactorPolicyBody = z.strictObject({
  required: z.boolean().describe("Users without a second factor must set one up at their next sign-in, after the grace period."),
  graceDays: z.number().int().min(0).max(90).describe("Days a user without a second factor may still sign in once it is required (0–90)."),
  passkeySignInAllowed: z.boolean().describe("Users may sign in with a passkey alone, without their password."),
  applyToLinked: z.boolean().default(false).describe("A multi-company profile's policy governs its linked companies too."),
});
export const DeleteCompanyBody = z.strictObject({ confirmName: z.string().max(300) });

const SecondFactorPolicy = z.object({
  required: z.boolean(),
  requiredSince: z.string().nullable(),
  graceDays: z.number().int(),
  passkeySignInAllowed: z.boolean(),
  applyToLinked: z.boolean(),
});
const Company = z.object({
  id: z.string(),
  name: z.string(),
  contactEmail: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  createdAt: z.string(),
  isMultiCompany: z.boolean(),
  parent: z.object({ id: z.string(), name: z.string() }).nullable(),
  secondFactorPolicy: SecondFactorPolicy,
  /** The parent's policy, when the parent applies it to its linked companies: it governs this company. */
  parentSecondFactorPolicy: SecondFactorPolicy.extend({ companyId: z.string(), companyName: z.string() }).nullable(),
});
const CompanyWithPermissions = z.object({
  company: Company,
  permissions: z.object({ rename: z.boolean(), updateContact: z.boolean(), delete: z.boolean(), setSecondFactorPolicy: z.boolean() }),
});

function policyJson(policy: PolicyRow): z.infer<typeof SecondFactorPolicy> {
  return {
    required: policy.requiredSince !== null,
    requiredSince: policy.requiredSince?.toISOString() ?? null,
    graceDays: policy.graceDays,
    passkeySignInAllowed: policy.passkeySignInAllowed,
    applyToLinked: policy.applyToLinked,
  };
}

function companyJson(company: CompanyProfile): z.infer<typeof Company> {
  const { own, fromParent } = policiesOf(company);
  return {
    id: company.id,
    name: company.name,
    contactEmail: company.contactEmail,
    phone: company.phone,
    address: company.address,
    createdAt: company.createdAt.toISOString(),
    isMultiCompany: company.isMultiCompany,
    parent: company.parentId && company.parentName ? { id: company.parentId, name: company.parentName } : null,
    secondFactorPolicy: policyJson(own),
    parentSecondFactorPolicy: fromParent && { ...policyJson(fromParent), companyId: fromParent.companyId, companyName: fromParent.companyName },
  };
}

/** The acting company's profile. */
export function companyRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requireActor(deps));
    const tags = ["company"];

    app.get(
      "/company",
      { schema: { tags, summary: "The company you act in, and what you may change", response: { 200: CompanyWithPermissions, ...errors(401, 404) } } },
      async (request) => {
        const result = await getCompany(deps, actorOf(request));
        return { company: companyJson(result.company), permissions: result.permissions };
      },
    );

    app.patch(
      "/company",
      {
        schema: {
          tags,
          summary: "Rename the company (administrator) or change its contact details (administrator, manager)",
          body: UpdateCompanyBody,
          response: { 200: CompanyWithPermissions, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const result = await updateCompany(deps, actorOf(request), request.body);
        return { company: companyJson(result.company), permissions: result.permissions };
      },
    );

    app.put(
      "/company/second-factor-policy",
      {
        schema: {
          tags,
          summary: "Set the company's second-factor policy (administrator): required or not, the grace period, sign-in with a passkey alone, and for a multi-company profile whether its linked companies follow it",
          body: SecondFactorPolicyBody,
          response: { 200: CompanyWithPermissions, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const result = await setSecondFactorPolicy(deps, actorOf(request), request.body);
        return { company: companyJson(result.company), permissions: result.permissions };
      },
    );

    app.post(
      "/company/delete",
      {
        schema: {
          tags,
          summary: "Delete the company (administrator): everyone is signed out and can no longer sign in",
          body: DeleteCompanyBody,
          response: { 200: Ok, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        const result = await deleteCompany(deps, actorOf(request), request.body.confirmName);
        if (result.signedOutCaller) clearSessionCookie(deps, reply);
        return { ok: true as const };
      },
    );
  };
}
