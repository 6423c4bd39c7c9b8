/** True when the text holds no control character (C0 or DEL): no stored name, address or search holds one, and PostgreSQL refuses a NUL in text. */
export const noControlChars = (value: string): boolean => !/[\u0000-\u001f\u007f]/.test(value);
