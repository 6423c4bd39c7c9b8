/**
 * Every refusal the product makes, with the message a person reads. The HTTP status for each
 * code lives in one table: src/http/error-handler.ts.
 */
export const ERROR_MESSAGES = {
  VALIDATION_FAILED: "The request is not valid.",
  UNAUTHENTICATED: "Please sign in.",
  CSRF_INVALID: "The form expired or came from another site. Reload the page and try again.",
  FORBIDDEN: "Your role does not allow this.",
  NOT_FOUND: "Not found.",
  RATE_LIMITED: "Too many attempts. Wait a little and try again.",
  SIGNUP_DISABLED: "Self-service registration is turned off on this installation.",
  SERVICE_UNAVAILABLE: "The service is temporarily unavailable. Try again shortly.",
  PAYLOAD_TOO_LARGE: "The request body is too large.",
  // machine clients (decisions 0028, 0029)
  SESSION_REQUIRED: "Only a signed-in person can do this; an API client cannot.",
  CREDENTIALS_AMBIGUOUS: "Send either a bearer token or a session cookie, not both.",
  // auth
  INVALID_CREDENTIALS: "The email or password is incorrect.",
  CURRENT_PASSWORD_INCORRECT: "Your current password is incorrect.",
  PASSWORD_TOO_SHORT: "The password is too short.",
  PASSWORD_TOO_LONG: "The password is too long.",
  PASSWORD_TOO_COMMON: "This password is too common or appears in known breaches. Choose another.",
  PASSWORD_CONTAINS_IDENTITY: "The password must not contain your email address or company name.",
  PASSWORD_MISMATCH: "The two passwords do not match.",
  // passkeys (decision 0038)
  PASSKEY_REFUSED: "This passkey cannot sign you in. Sign in with your email and password.",
  PASSKEY_NOT_VERIFIED: "The passkey's answer could not be verified. Try again.",
  PASSKEY_ALREADY_REGISTERED: "This passkey is already registered.",
  PASSKEY_LIMIT: "You have as many passkeys as allowed (20). Remove one first.",
  LAST_FACTOR_PASSWORD_REQUIRED: "This is your last second factor: enter your password to remove it.",
  // second factor (issue 18)
  SIGN_IN_EXPIRED: "This sign-in has expired. Sign in again with your password.",
  SECOND_FACTOR_INCORRECT: "That code is not right. Enter the current code from your app, or a recovery code.",
  PASSKEY_NOT_ACCEPTED: "That passkey was not accepted. Try again with a passkey saved for this account on this device or security key.",
  TOTP_CODE_INCORRECT: "That code is not right. Enter the current code from your app (check that your phone's clock is right).",
  TOTP_ALREADY_ENABLED: "An authenticator app is already set up. Turn it off first to set up another.",
  TOTP_NOT_ENABLED: "No authenticator app is set up.",
  TOTP_UNAVAILABLE: "Authenticator apps cannot be set up until the administrator of this installation sets SECRET_KEY.",
  NO_SECOND_FACTOR: "Recovery codes come with a second factor: set up an authenticator app first.",
  // users
  EMAIL_TAKEN: "An account with this email address already exists.",
  ROLE_NOT_ALLOWED: "You cannot give or change this role.",
  CANNOT_CHANGE_OWN_ROLE: "Nobody changes their own role.",
  CANNOT_ACT_ON_SELF: "Use your account settings for your own account.",
  USER_DEACTIVATED: "This user is deactivated.",
  NOTHING_TO_RESET: "This user has no second factor to reset.",
  POLICY_FOR_LINKED_NOT_MULTI_COMPANY: "Only a multi-company profile has linked companies to apply its policy to.",
  USER_ALREADY_ACTIVE: "This user is already active.",
  USER_ALREADY_DEACTIVATED: "This user is already deactivated.",
  INVITATION_NOT_NEEDED: "This user has already set a password. Send a password reset instead.",
  // CSV import (decision 0050)
  IMPORT_FILE_INVALID: "The file cannot be read as a users CSV file.",
  IMPORT_ROWS_INVALID: "Some rows have errors; nobody was imported.",
  // companies
  COMPANY_NAME_MISMATCH: "Type the company name exactly to confirm.",
  LAST_ADMINISTRATOR: "A company must keep at least one active administrator.",
  // linked companies and grants
  GRANT_NOT_ALLOWED: "Only active managers and administrators of the parent company can receive a management grant.",
  LINKED_ALLOWANCE_EXHAUSTED: "Your company has used its allowance of linked companies. Ask the operator for more.",
  NOT_MULTI_COMPANY: "Your company is not a multi-company profile.",
  // links
  LINK_INVALID: "This link is not valid.",
  LINK_EXPIRED: "This link has expired.",
  LINK_USED: "This link has already been used.",
  LINK_SUPERSEDED: "A newer link was sent; this one no longer works.",
  LINK_REVOKED: "This link was cancelled.",
  LINK_NOT_PENDING: "This link is no longer pending: it was used, has expired, or was superseded or cancelled.",
  // webhooks
  WEBHOOK_URL_INVALID: "Enter an https:// address, without a user name or password.",
  WEBHOOK_URL_NOT_ALLOWED: "This address points to a private, loopback or reserved network. Webhooks go only to public addresses.",
  WEBHOOK_EVENTS_REQUIRED: "Choose at least one event.",
  WEBHOOK_ENDPOINT_LIMIT: "This company has as many webhook endpoints as allowed (20). Delete one first.",
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_MESSAGES[code]);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export function assertThat(condition: unknown, code: ErrorCode, message?: string): asserts condition {
  if (!condition) throw new AppError(code, message);
}
