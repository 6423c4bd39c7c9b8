-- Decision 0028: companies' machine clients are oidc_clients rows of kind 'machine' (company, scopes, who created it,
-- secret version, last use); audit rows name a client that acted (actor_client_id), and reset links the client asked for.
ALTER TABLE "audit_events" ADD COLUMN "actor_client_id" text;--> statement-breakpoint
ALTER TABLE "link_tokens" ADD COLUMN "requested_by_client_id" text;--> statement-breakpoint
ALTER TABLE "link_tokens" ADD COLUMN "requested_by_client_name" text;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "kind" text DEFAULT 'application' NOT NULL;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "company_id" uuid;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "scopes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "created_by_user_id" uuid;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "created_by_operator" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "secret_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD CONSTRAINT "oidc_clients_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD CONSTRAINT "oidc_clients_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oidc_clients_company_idx" ON "oidc_clients" USING btree ("company_id") WHERE "oidc_clients"."kind" = 'machine';--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD CONSTRAINT "oidc_clients_kind_check" CHECK (("oidc_clients"."kind" = 'application' and "oidc_clients"."company_id" is null) or ("oidc_clients"."kind" = 'machine' and "oidc_clients"."company_id" is not null));