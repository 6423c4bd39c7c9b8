DROP INDEX "companies_parent_name_idx";--> statement-breakpoint
CREATE INDEX "users_company_last_login_idx" ON "users" USING btree ("company_id","last_login_at");--> statement-breakpoint
CREATE INDEX "companies_parent_name_idx" ON "companies" USING btree ("parent_id",lower("name") COLLATE "C","id");