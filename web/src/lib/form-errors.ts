import { ApiError } from "../api/client.ts";

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/**
 * Splits a refusal into messages for fields and one for the form. Validation issues name their
 * field (`body.email`); password-policy codes belong to the field holding the new password.
 */
export function splitApiError<K extends string>(
  error: unknown,
  fields: readonly K[],
  codeToField: Partial<Record<string, K>> = {},
): { fieldErrors: FieldErrors<K>; formError: string | null } {
  const fieldErrors: FieldErrors<K> = {};
  if (!(error instanceof ApiError)) return { fieldErrors, formError: "Something went wrong. Try again." };
  const byCode = codeToField[error.code] ?? (error.code.startsWith("PASSWORD_") ? codeToField.PASSWORD : undefined);
  if (byCode) {
    fieldErrors[byCode] = error.message;
    return { fieldErrors, formError: null };
  }
  const issues = error.details?.issues;
  if (error.code === "VALIDATION_FAILED" && Array.isArray(issues)) {
    for (const issue of issues as Array<{ path?: unknown; message?: unknown }>) {
      const name = typeof issue.path === "string" ? issue.path.split(".").pop() : undefined;
      const field = fields.find((f) => f === name);
      if (field && typeof issue.message === "string" && !fieldErrors[field]) fieldErrors[field] = issue.message;
    }
    if (Object.keys(fieldErrors).length > 0) return { fieldErrors, formError: "Some fields need attention." };
  }
  return { fieldErrors, formError: error.message };
}

/** Moves focus to the first field with an error, so keyboard and screen-reader users land on it. */
export function focusFirstError<K extends string>(errors: FieldErrors<K>, order: readonly K[], idOf: (field: K) => string): void {
  const first = order.find((field) => errors[field]);
  if (first) document.getElementById(idOf(first))?.focus();
}
