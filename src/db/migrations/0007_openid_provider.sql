-- Decision 0027: the OpenID provider's storage (oidc_payloads), its keys, the operator's clients, and
-- Latchkey's side of each grant (the acting company); users.email_verified_at for the email_verified claim.
CREATE TABLE "oidc_clients" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"secret_hash" text,
	"previous_secret_hash" text,
	"previous_secret_expires_at" timestamp with time zone,
	"first_party" boolean DEFAULT false NOT NULL,
	"redirect_uris" text[] NOT NULL,
	"post_logout_redirect_uris" text[] DEFAULT '{}'::text[] NOT NULL,
	"backchannel_logout_uri" text,
	"resources" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oidc_grants" (
	"grant_id" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"client_id" text NOT NULL,
	"session_id" uuid,
	"acting_company_id" uuid NOT NULL,
	"access" text NOT NULL,
	"scope" text NOT NULL,
	"sid" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	CONSTRAINT "oidc_grants_access_check" CHECK ("oidc_grants"."access" in ('member', 'grant', 'parent_administrator'))
);
--> statement-breakpoint
CREATE TABLE "oidc_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"purpose" text NOT NULL,
	"kid" text,
	"private_jwk" jsonb,
	"public_jwk" jsonb,
	"secret" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"signs_from" timestamp with time zone NOT NULL,
	"retired_at" timestamp with time zone,
	"publish_until" timestamp with time zone,
	CONSTRAINT "oidc_keys_purpose_check" CHECK ("oidc_keys"."purpose" in ('signing', 'cookie'))
);
--> statement-breakpoint
CREATE TABLE "oidc_payloads" (
	"model" text NOT NULL,
	"id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"grant_id" text,
	"uid" text,
	"account_id" text,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	CONSTRAINT "oidc_payloads_model_id_pk" PRIMARY KEY("model","id")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "oidc_grants" ADD CONSTRAINT "oidc_grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oidc_grants" ADD CONSTRAINT "oidc_grants_client_id_oidc_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."oidc_clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oidc_grants" ADD CONSTRAINT "oidc_grants_acting_company_id_companies_id_fk" FOREIGN KEY ("acting_company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oidc_grants_user_idx" ON "oidc_grants" USING btree ("user_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE INDEX "oidc_grants_company_idx" ON "oidc_grants" USING btree ("acting_company_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE INDEX "oidc_grants_session_idx" ON "oidc_grants" USING btree ("session_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE INDEX "oidc_grants_client_idx" ON "oidc_grants" USING btree ("client_id");--> statement-breakpoint
CREATE UNIQUE INDEX "oidc_keys_kid_key" ON "oidc_keys" USING btree ("kid");--> statement-breakpoint
CREATE INDEX "oidc_payloads_grant_idx" ON "oidc_payloads" USING btree ("grant_id") WHERE grant_id is not null;--> statement-breakpoint
CREATE INDEX "oidc_payloads_uid_idx" ON "oidc_payloads" USING btree ("uid") WHERE uid is not null;--> statement-breakpoint
CREATE INDEX "oidc_payloads_account_idx" ON "oidc_payloads" USING btree ("account_id") WHERE account_id is not null;--> statement-breakpoint
CREATE INDEX "oidc_payloads_expires_idx" ON "oidc_payloads" USING btree ("expires_at");