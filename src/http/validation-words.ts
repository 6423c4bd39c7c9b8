/**
 * A request's validation failures in words a person reads ("email is required", "unknown field
 * \"extra\""), not zod's defaults ("Invalid input: expected string, received undefined",
 * "body.: Unrecognized key"). A message a schema wrote itself (a refine, a custom message) is kept.
 */
export interface ValidationFailure {
  keyword: string;
  instancePath: string;
  message: string;
  params?: Record<string, unknown>;
}

/** What zod 4 writes when a schema gave no message of its own. */
const ZOD_DEFAULT = /^(Invalid input|Invalid option|Invalid string|Invalid element|Invalid key|Invalid value|Invalid type|Too small|Too big|Unrecognized key)/;

const KINDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  bigint: "a whole number",
  date: "a date",
};

/** "body.user.email" → "user.email"; "query.limit" → "query parameter limit"; "body" → "the request body". */
export function fieldName(context: string, instancePath: string): string {
  const path = instancePath.split("/").filter(Boolean).join(".");
  if (context === "body") return path === "" ? "the request body" : path;
  const where = { querystring: "query parameter", params: "path parameter", headers: "header" }[context] ?? context;
  return path === "" ? `the ${where}s` : `${where} ${path}`;
}

function sizeWords(params: Record<string, unknown>, bound: "minimum" | "maximum"): string | null {
  const limit = params[bound];
  if (typeof limit !== "number" && typeof limit !== "bigint") return null;
  const n = Number(limit);
  const inclusive = params.inclusive !== false;
  const atLeast = bound === "minimum" ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
  switch (params.origin) {
    case "string":
      return n === 1 && bound === "minimum" ? "must not be empty" : `must be ${atLeast} ${n.toLocaleString("en")} character${n === 1 ? "" : "s"} long`;
    case "array":
    case "set":
      return n === 1 && bound === "minimum" ? "must not be empty" : `must have ${atLeast} ${n.toLocaleString("en")} item${n === 1 ? "" : "s"}`;
    default:
      return `must be ${atLeast} ${n.toLocaleString("en")}`;
  }
}

export function describeFailure(context: string, failure: ValidationFailure): string {
  const field = fieldName(context, failure.instancePath);
  const params = failure.params ?? {};
  if (!ZOD_DEFAULT.test(failure.message)) return `${field}: ${failure.message}`;
  switch (failure.keyword) {
    case "invalid_type": {
      if (/received undefined/.test(failure.message)) return `${field} is required`;
      const expected = typeof params.expected === "string" ? (KINDS[params.expected] ?? params.expected) : "another kind of value";
      return `${field} must be ${expected}`;
    }
    case "unrecognized_keys": {
      const keys = Array.isArray(params.keys) ? params.keys.map((key) => `"${String(key)}"`) : [];
      const where = failure.instancePath.split("/").filter(Boolean).length === 0 ? "" : ` in ${field}`;
      return `unknown field${keys.length === 1 ? "" : "s"} ${keys.join(", ")}${where}: remove ${keys.length === 1 ? "it" : "them"}`;
    }
    case "too_small":
      return `${field} ${sizeWords(params, "minimum") ?? "is too small"}`;
    case "too_big":
      return `${field} ${sizeWords(params, "maximum") ?? "is too big"}`;
    case "invalid_value":
    case "invalid_enum_value": {
      const values = Array.isArray(params.values) ? params.values.map((value) => JSON.stringify(value)) : [];
      return values.length > 0 ? `${field} must be one of ${values.join(", ")}` : `${field} is not an allowed value`;
    }
    case "invalid_format": {
      const format = typeof params.format === "string" ? params.format : "value";
      const named: Record<string, string> = { email: "an email address", uuid: "an id (a UUID)", url: "a URL", datetime: "a date and time (ISO 8601)", date: "a date (YYYY-MM-DD)", regex: "in the expected format" };
      return `${field} must be ${named[format] ?? `a valid ${format}`}`;
    }
    default:
      return `${field} is not valid`;
  }
}
