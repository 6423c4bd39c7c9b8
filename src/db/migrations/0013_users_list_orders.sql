ALTER TABLE "user_logins" ADD COLUMN "company_id" uuid;--> statement-breakpoint
CREATE INDEX "user_logins_company_at_idx" ON "user_logins" USING btree ("company_id","last_login_at","user_id");--> statement-breakpoint
CREATE INDEX "users_company_email_order_idx" ON "users" USING btree ("company_id","email_normalized" collate "C","id","status","role");--> statement-breakpoint
CREATE INDEX "users_company_role_name_idx" ON "users" USING btree ("company_id","role","name_sort","id","status");--> statement-breakpoint
CREATE INDEX "users_company_status_name_idx" ON "users" USING btree ("company_id","status","name_sort","id","role");--> statement-breakpoint
CREATE INDEX "users_company_created_idx" ON "users" USING btree ("company_id","created_at","id","status","role");--> statement-breakpoint
-- Sign-ins before this column, then every later one: an insert copies the user's company, whichever
-- release writes it (the previous one does not know the column; decision 0042).
UPDATE "user_logins" l SET "company_id" = u."company_id" FROM "users" u WHERE u."id" = l."user_id" AND l."company_id" IS NULL;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "user_logins_copy_company"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."company_id" IS NULL THEN
    SELECT "company_id" INTO NEW."company_id" FROM "users" WHERE "id" = NEW."user_id";
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "user_logins_copy_company" BEFORE INSERT ON "user_logins" FOR EACH ROW EXECUTE FUNCTION "user_logins_copy_company"();
