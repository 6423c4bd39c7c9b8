/** True when the text holds no control character (C0 or DEL): no stored name, address or search holds one, and PostgreSQL refuses a NUL in text. */
export const noControlChars = (value: string): boolean => !/[\u0000-\u001f\u007f]/.test(value);

/**
 * What a name may not hold (decision 0023), beyond the control characters above: the C1 controls,
 * the bidirectional embeddings, overrides and isolates, which make a name read as something else
 * wherever it is shown ("Bob\u202Egnp.exe" displays as "Bobexe.png"), and the line and paragraph
 * separators, which break it across lines in an email, a log line or a CSV cell. The marks LRM, RLM
 * and ALM stay allowed: right-to-left names need them, and they reorder nothing but neutrals.
 */
const REFUSED_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

/** True when the text may be a person's or a company's name. */
export const fitForAName = (value: string): boolean => !REFUSED_IN_NAMES.test(value);
