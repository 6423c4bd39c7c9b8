import { useState } from "react";
import type { FormMessage } from "../components/notice.tsx";
import { focusFirstError, splitApiError, type FieldErrors } from "./form-errors.ts";

interface FormSubmitOptions<K extends string> {
  /** The fields in the order they appear, so focus lands on the first one with an error. */
  fields?: readonly K[];
  fieldId?: (field: K) => string;
  /** Refusal codes that belong to one field (`EMAIL_TAKEN` → `email`); see splitApiError. */
  codeToField?: Partial<Record<string, K>>;
  /** The page moves on after success (a redirect, the form replaced): the button stays busy until it has, so a second click sends nothing. */
  leavesOnSuccess?: boolean;
  /** Move focus to the first field the server refused; the sign-in and single-field forms leave it on the button. */
  focusRefusedField?: boolean;
  /** A refusal the page answers itself (it replaces the form); true when handled. */
  intercept?: (error: unknown) => boolean;
}

interface RunChecks<K extends string> {
  /** What the browser already found wrong: nothing is sent while a field has an error. */
  invalid?: FieldErrors<K>;
  /** Said instead of sending when there is nothing to send. */
  nothingToSend?: FormMessage | null;
}

export interface FormSubmit<K extends string> {
  busy: boolean;
  errors: FieldErrors<K>;
  message: FormMessage | null;
  setMessage: (message: FormMessage | null) => void;
  /**
   * Sends once at a time: field errors found in the browser stop it, a refusal from the API becomes
   * field errors and one message for the form; `send` may return the message that says it worked.
   */
  run: (send: () => Promise<FormMessage | void>, checks?: RunChecks<K>) => Promise<void>;
}

/** The submit cycle every dashboard form shares: busy, field errors, the form's message, focus. */
export function useFormSubmit<K extends string = never>(options: FormSubmitOptions<K> = {}): FormSubmit<K> {
  const { fields = [], fieldId = (field: K) => field, codeToField, leavesOnSuccess = false, focusRefusedField = true, intercept } = options;
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(send: () => Promise<FormMessage | void>, { invalid = {}, nothingToSend = null }: RunChecks<K> = {}) {
    if (busy) return;
    setErrors(invalid);
    if (Object.keys(invalid).length > 0) {
      setMessage(null);
      focusFirstError(invalid, fields, fieldId);
      return;
    }
    if (nothingToSend) return setMessage(nothingToSend);
    setBusy(true);
    setMessage(null);
    try {
      const done = await send();
      if (done) setMessage(done);
      if (!leavesOnSuccess) setBusy(false);
    } catch (error) {
      if (intercept?.(error)) return;
      const { fieldErrors, formError } = splitApiError(error, fields, codeToField);
      setErrors(fieldErrors);
      setMessage(formError ? { tone: "error", text: formError } : null);
      if (focusRefusedField) focusFirstError(fieldErrors, fields, fieldId);
      setBusy(false);
    }
  }

  return { busy, errors, message, setMessage, run };
}
