/**
 * The dashboard's names for the API's shapes. Every one is read out of `openapi.d.ts`, which
 * `npm run api:types` generates from the route schemas (decision 0024): a field the server stops
 * sending fails the dashboard's type check, not a user's click. No field lists here.
 */
import type { paths } from "./openapi.d.ts";

type V1 = "/api/v1";
/** A /api/v1 route as the document spells it, without the prefix: "/users/{id}". */
export type ApiPath = keyof paths extends infer P ? (P extends `${V1}${infer Rest}` ? Rest : never) : never;
export type Method = "get" | "post" | "put" | "patch" | "delete";
/** The methods a path answers (the document writes `method?: never` for the others). */
export type MethodOf<P extends ApiPath> = { [M in Method]: NonNullable<paths[`${V1}${P}`][M]> extends never ? never : M }[Method];
export type Operation<P extends ApiPath, M extends MethodOf<P>> = NonNullable<paths[`${V1}${P}`][M]>;

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
type Success<R> = R[200 & keyof R] | R[201 & keyof R] | R[202 & keyof R];
/** What a route answers when it succeeds. */
export type Answer<P extends ApiPath, M extends MethodOf<P>> = Json<Success<Operation<P, M>["responses"]>>;
/** The JSON body a route reads. */
export type RequestBody<P extends ApiPath, M extends MethodOf<P>> = Json<NonNullable<Operation<P, M>["requestBody"]>>;
/** The query parameters a route reads. */
export type Query<P extends ApiPath, M extends MethodOf<P>> = NonNullable<Operation<P, M>["parameters"]["query"]>;

type Item<T> = T extends ReadonlyArray<infer Element> ? Element : never;

export type AppConfig = Answer<"/config", "get">;
export type Me = Answer<"/auth/me", "get">;
export type Passkey = Item<Answer<"/account/passkeys", "get">["passkeys"]>;

export type CompanyResponse = Answer<"/company", "get">;
export type Company = CompanyResponse["company"];
export type CompanyPermissions = CompanyResponse["permissions"];

export type UserList = Answer<"/users", "get">;
export type UserSummary = Item<UserList["users"]>;
export type ImportPreview = Answer<"/users/import/preview", "post">;
export type ImportPreviewRow = Item<ImportPreview["rows"]>;
export type ImportResults = Answer<"/users/import", "post">;
export type UserView = Answer<"/users/{id}", "get">;
export type UserDetail = UserView["user"];
export type UserPermissions = UserView["permissions"];
/** Kinds and counts of a user's second factors; null for those who may not reset them. */
export type SecondFactorSummary = UserView["secondFactors"];
export type SecondFactorReset = Item<Answer<"/users/{id}/second-factor-resets", "get">["resets"]>;
/** A live session as its lists show it (decision 0048). */
export type SessionView = Item<Answer<"/account/sessions", "get">["sessions"]>;
/** One attempt of a user's recent sign-ins, from the audit log (decision 0051). */
export type SignInView = Item<Answer<"/users/{id}/sign-ins", "get">["signIns"]>;
export type SecondFactorPolicy = Company["secondFactorPolicy"];
export type Role = UserDetail["role"];
export type UserStatus = UserDetail["status"];

export type PasswordReset = Item<Answer<"/users/{id}/password-resets", "get">["resets"]>;
export type ResetState = PasswordReset["state"];
export type EmailStatus = NonNullable<PasswordReset["emailStatus"]>;

export type LinkInfo = Answer<"/links/inspect", "post">;
export type LinkReason = Extract<LinkInfo, { valid: false }>["reason"];

export type MailboxEmailSummary = Item<Answer<"/dev/mailbox", "get">["emails"]>;
export type MailboxEmail = Answer<"/dev/mailbox/{id}", "get">["email"];

export type ManagedCompanyList = Answer<"/managed-companies", "get">;
export type ManagedCompany = Item<ManagedCompanyList["companies"]>;
export type TeamMemberAccess = Item<Answer<"/company/team-members", "get">["members"]>;
export type MemberGrants = Answer<"/users/{id}/managed-companies", "get">;

export type ApiClientList = Answer<"/api-clients", "get">;
export type ApiClient = Item<ApiClientList["clients"]>;
export type ApiScopeInfo = Item<ApiClientList["scopes"]>;
/** What the dashboard shows once, after a creation or a rotation. */
export type ApiClientCredentials = Answer<"/api-clients/{id}/secret", "post">;

export type AuditEvent = Item<Answer<"/audit-events", "get">["events"]>;
/** The filters the audit log and its CSV export share. */
export type AuditFilters = Query<"/audit-events/export.csv", "get">;

/** What an application's sign-in asks for (/interaction/:uid/details, outside /api/v1). */
export type InteractionDetails = Json<paths["/interaction/{uid}/details"]["get"]["responses"][200]>;

export type WebhookEndpoints = Answer<"/webhook-endpoints", "get">;
export type WebhookEndpoint = Item<WebhookEndpoints["endpoints"]>;
export type WebhookEventGroup = Item<WebhookEndpoints["eventGroups"]>;
export type WebhookDelivery = Item<Answer<"/webhook-endpoints/{id}/deliveries", "get">["deliveries"]>;

export type SecondStep = NonNullable<Answer<"/auth/login", "post">["secondStep"]>;
export type SecondStepMethod = SecondStep["methods"][number];
export type SecondFactorSettings = Answer<"/account/second-factor", "get">;
export type TotpEnrolment = Answer<"/account/second-factor/totp", "post">;
