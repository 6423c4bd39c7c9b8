import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, ERROR_MESSAGES, type ErrorCode } from "../errors.ts";
import { errorChain, isUnstorableText } from "../db/errors.ts";
import { describeFailure } from "./validation-words.ts";

/** The one table from error code to HTTP status. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  CSRF_INVALID: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  SIGNUP_DISABLED: 403,
  SERVICE_UNAVAILABLE: 503,
  PAYLOAD_TOO_LARGE: 413,
  SESSION_REQUIRED: 403,
  CREDENTIALS_AMBIGUOUS: 400,
  INVALID_CREDENTIALS: 401,
  CURRENT_PASSWORD_INCORRECT: 400,
  PASSKEY_REFUSED: 401,
  PASSKEY_NOT_VERIFIED: 400,
  PASSKEY_ALREADY_REGISTERED: 409,
  PASSKEY_LIMIT: 409,
  LAST_FACTOR_PASSWORD_REQUIRED: 400,
  PASSWORD_TOO_SHORT: 422,
  PASSWORD_TOO_LONG: 422,
  PASSWORD_TOO_COMMON: 422,
  PASSWORD_CONTAINS_IDENTITY: 422,
  PASSWORD_MISMATCH: 422,
  SIGN_IN_EXPIRED: 401,
  SECOND_FACTOR_INCORRECT: 401,
  PASSKEY_NOT_ACCEPTED: 401,
  TOTP_CODE_INCORRECT: 422,
  TOTP_ALREADY_ENABLED: 409,
  TOTP_NOT_ENABLED: 409,
  TOTP_UNAVAILABLE: 409,
  NO_SECOND_FACTOR: 409,
  EMAIL_TAKEN: 409,
  ROLE_NOT_ALLOWED: 403,
  CANNOT_CHANGE_OWN_ROLE: 403,
  CANNOT_ACT_ON_SELF: 403,
  USER_DEACTIVATED: 409,
  NOTHING_TO_RESET: 409,
  POLICY_FOR_LINKED_NOT_MULTI_COMPANY: 409,
  USER_ALREADY_ACTIVE: 409,
  USER_ALREADY_DEACTIVATED: 409,
  INVITATION_NOT_NEEDED: 409,
  IMPORT_FILE_INVALID: 422,
  IMPORT_ROWS_INVALID: 422,
  COMPANY_NAME_MISMATCH: 422,
  LAST_ADMINISTRATOR: 409,
  GRANT_NOT_ALLOWED: 422,
  LINKED_ALLOWANCE_EXHAUSTED: 409,
  NOT_MULTI_COMPANY: 403,
  LINK_INVALID: 410,
  LINK_EXPIRED: 410,
  LINK_USED: 410,
  LINK_SUPERSEDED: 410,
  LINK_REVOKED: 410,
  LINK_NOT_PENDING: 409,
  WEBHOOK_URL_INVALID: 422,
  WEBHOOK_URL_NOT_ALLOWED: 422,
  WEBHOOK_EVENTS_REQUIRED: 422,
  WEBHOOK_ENDPOINT_LIMIT: 409,
};

export function errorBody(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
  return { error: { code, message: message ?? ERROR_MESSAGES[code], ...(details ? { details } : {}) } };
}

export function sendError(reply: FastifyReply, code: ErrorCode, message?: string, details?: Record<string, unknown>) {
  return reply.code(ERROR_STATUS[code]).send(errorBody(code, message, details));
}

/** PostgreSQL unreachable (restart, network): answer 503 fast instead of a 500. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of errorChain(error)) {
    const { code } = e;
    const message = String(e.message ?? "");
    if (typeof code === "string" && (["ECONNREFUSED", "ECONNRESET", "57P01", "57P03", "08006", "08001", "08003"].includes(code))) return true;
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) return true;
  }
  return false;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      // A limited request says when to come back: RFC 9110's Retry-After, in seconds.
      const retryAfter = error.details?.retryAfterSeconds;
      if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
      return sendError(reply, error.code, error.message, error.details);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext ?? "body";
      const issues = error.validation.map((v) => ({
        path: [context, ...v.instancePath.split("/").filter(Boolean)].join("."),
        message: describeFailure(context, { keyword: v.keyword, instancePath: v.instancePath, message: v.message ?? "", params: v.params as Record<string, unknown> }),
      }));
      const first = issues[0];
      // One sentence for a person (the issues list has every failure, for programs).
      // A sentence: capitalised where it starts with our words, not where it starts with a field's own name (companyName).
      const opening = /^(the|unknown|query|path|header)\b/.test(first?.message ?? "") ? `${first?.message.charAt(0).toUpperCase()}${first?.message.slice(1)}` : first?.message;
      const message = first ? `${opening}${/[.!?]$/.test(first.message) ? "" : "."}` : ERROR_MESSAGES.VALIDATION_FAILED;
      return sendError(reply, "VALIDATION_FAILED", message, { issues });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(reply, "PAYLOAD_TOO_LARGE");
    if (fastifyError.code === "FST_ERR_RATE_LIMITED" || fastifyError.statusCode === 429) return sendError(reply, "RATE_LIMITED");
    if (isUnstorableText(error)) {
      // A NUL or an invalid byte sequence that no schema caught: the client's text, not our fault.
      request.log.warn({ err: error }, "text PostgreSQL cannot store");
      return sendError(reply, "VALIDATION_FAILED", "The text contains a character that cannot be stored (such as NUL).");
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, "database unavailable");
      return sendError(reply, "SERVICE_UNAVAILABLE");
    }
    const status = fastifyError.statusCode;
    if (status && status >= 400 && status < 500) {
      // Malformed JSON, wrong content type, bad URL encoding: the client's mistake, said plainly.
      return reply.code(status).send({ error: { code: status === 413 ? "PAYLOAD_TOO_LARGE" : "VALIDATION_FAILED", message: fastifyError.message } });
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.code(500).send({ error: { code: "INTERNAL", message: "Something went wrong on our side. Try again." } });
  });
}
