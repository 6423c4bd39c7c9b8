import type { Deps } from "../../deps.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { companies, users } from "../../db/schema.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { linkUrl } from "../../email/links.ts";
import { invitationEmail } from "../../email/templates/invitation.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { issueLinkToken } from "../auth/link-tokens.ts";
import { normalizeEmail } from "../email-address.ts";
import { countInvitation } from "../users/send-invitation.ts";
import { nameSortKey } from "../users/user-name.ts";

export interface CreateCompanyWithAdminInput {
  companyName: string;
  adminEmail: string;
  adminName: string;
  /** A linked company created by its parent (PRODUCT.md section 3). */
  parentId?: string | null;
  /** Who asked, for the invitation's wording and the audit rows; null for the operator. */
  invitedBy?: { userId: string; name: string; companyId: string } | null;
}

/**
 * The operator's way to open a company: the administrator gets no password, only an invitation
 * to choose one. Company, user, link and email commit together, so an invitation is never lost
 * and never sent for a company that does not exist.
 */
export async function createCompanyWithAdmin(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: CreateCompanyWithAdminInput) {
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const [company] = await tx
        .insert(companies)
        .values({ name: input.companyName, contactEmail: input.adminEmail, parentId: input.parentId ?? null, linkedBy: input.parentId ? "parent" : null, createdAt: now, updatedAt: now })
        .returning({ id: companies.id, name: companies.name });
      if (!company) throw new Error("company insert returned nothing");
      const [user] = await tx
        .insert(users)
        .values({
          companyId: company.id,
          email: input.adminEmail,
          emailNormalized: normalizeEmail(input.adminEmail),
          name: input.adminName,
          nameSort: nameSortKey(input.adminName),
          role: "administrator",
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: users.id, email: users.email, name: users.name });
      if (!user) throw new Error("user insert returned nothing");
      // A user's invitation counts on the invitation limits like any other (decision 0020); the operator's does not.
      if (input.invitedBy) await countInvitation(tx, { actorUserId: input.invitedBy.userId, companyId: input.invitedBy.companyId, recipientEmail: user.email }, now);
      const link = await issueLinkToken(tx, { userId: user.id, purpose: "invite", ttlMs: deps.config.inviteLinkTtlMs, now });
      const url = linkUrl(deps.config.publicUrl, "/set-password", link.token);
      const content = invitationEmail({ recipientName: user.name, companyName: company.name, inviterName: input.invitedBy?.name ?? null, link: url, expiresAt: link.expiresAt });
      const emailId = await enqueueEmail(tx, deps.jobs, { kind: "invitation", to: user.email, userId: user.id, linkTokenId: link.id, ...content }, now);
      const via = input.invitedBy ? "dashboard" : "cli";
      const audit = { actorUserId: input.invitedBy?.userId ?? null, actorCompanyId: input.invitedBy?.companyId ?? null, targetUserId: user.id, targetCompanyId: company.id, at: now };
      await recordAuditEvent(tx, { ...audit, action: input.parentId ? "company.created_linked" : "company.registered", details: { via, parentId: input.parentId ?? null } });
      await recordAuditEvent(tx, { ...audit, action: "user.created", details: { via, role: "administrator" } });
      // The raw link goes back to the operator's terminal only; the caller decides whether to show it.
      return { company, user, invitation: { emailId, expiresAt: link.expiresAt, url } };
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_email_normalized_key")) throw new AppError("EMAIL_TAKEN");
    throw error;
  }
}
