ALTER TABLE "companies" ADD COLUMN "linked_by" text;--> statement-breakpoint
-- Companies linked before this column: created by their parent when the audit log says so, else linked by the operator.
UPDATE "companies" c SET "linked_by" = CASE
  WHEN EXISTS (SELECT 1 FROM "audit_events" e WHERE e."action" = 'company.created_linked' AND e."target_company_id" = c."id") THEN 'parent'
  ELSE 'operator' END
WHERE c."parent_id" IS NOT NULL;
