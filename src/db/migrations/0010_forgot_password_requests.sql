CREATE TABLE "forgot_password_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"client_address" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- Requests still waiting in the pg-boss queue the table replaces (decision 0034) move into it, so an upgrade loses none.
DO $$
BEGIN
  IF to_regclass('pgboss.job') IS NOT NULL THEN
    INSERT INTO "forgot_password_requests" ("email", "client_address", "requested_at")
      SELECT "data"->>'email', "data"->>'clientAddress', "created_on" FROM pgboss.job
      WHERE "name" = 'password-reset.forgot' AND "state" IN ('created', 'retry', 'active')
        AND "data"->>'email' IS NOT NULL AND "data"->>'clientAddress' IS NOT NULL
      ORDER BY "created_on";
    DELETE FROM pgboss.job WHERE "name" = 'password-reset.forgot' AND "state" IN ('created', 'retry', 'active');
  END IF;
END $$;
