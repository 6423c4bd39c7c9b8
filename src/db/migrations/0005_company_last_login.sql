-- Decision 0015: a sign-in's update of users.last_login_at is HOT (no index holds the column, and
-- pages keep a tenth free for the new row versions), and a company's last sign-in lives on companies.
DROP INDEX "users_company_last_login_idx";--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "last_login_at" timestamp with time zone;--> statement-breakpoint
UPDATE "companies" AS c SET "last_login_at" = m.at
FROM (SELECT "company_id", max("last_login_at") AS at FROM "users" WHERE "last_login_at" IS NOT NULL GROUP BY "company_id") AS m
WHERE m."company_id" = c."id";--> statement-breakpoint
-- Pages written from now on keep 10 % free; full pages gain room as old row versions are pruned.
ALTER TABLE "users" SET (fillfactor = 90);
