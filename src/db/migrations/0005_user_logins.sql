-- Decision 0015: a sign-in writes its time to user_logins (and, at most once a minute, to its
-- company), never a new version of the user's row.
CREATE TABLE "user_logins" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"last_login_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- A tenth of each page free: a sign-in's update of its row stays on the page (HOT).
ALTER TABLE "user_logins" SET (fillfactor = 90);--> statement-breakpoint
ALTER TABLE "user_logins" ADD CONSTRAINT "user_logins_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
INSERT INTO "user_logins" ("user_id", "last_login_at") SELECT "id", "last_login_at" FROM "users" WHERE "last_login_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "last_login_at" timestamp with time zone;--> statement-breakpoint
UPDATE "companies" AS c SET "last_login_at" = m.at
FROM (SELECT "company_id", max("last_login_at") AS at FROM "users" WHERE "last_login_at" IS NOT NULL GROUP BY "company_id") AS m
WHERE m."company_id" = c."id";--> statement-breakpoint
DROP INDEX "users_company_last_login_idx";--> statement-breakpoint
-- The list's total reads this small index (deduplicated entries) instead of the name index.
CREATE INDEX "users_company_status_idx" ON "users" USING btree ("company_id","status");--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "last_login_at";
