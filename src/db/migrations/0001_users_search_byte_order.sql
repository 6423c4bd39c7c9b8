DROP INDEX "users_company_name_idx";--> statement-breakpoint
DROP INDEX "users_company_name_prefix_idx";--> statement-breakpoint
DROP INDEX "users_company_email_prefix_idx";--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "name_sort" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
CREATE INDEX "users_company_name_status_idx" ON "users" USING btree ("company_id","name_sort","id","status");--> statement-breakpoint
CREATE INDEX "users_company_email_search_idx" ON "users" USING btree ("company_id","email_normalized" text_pattern_ops,"name_sort","status","id");