import type { FastifyInstance } from "fastify";
import { AppError } from "../errors.ts";

/**
 * The first key that appears twice in one object of a valid JSON text, or null. JSON.parse keeps
 * the last of repeated keys silently; a proxy or another parser may keep the first, so a body
 * that says two things is refused rather than guessed at.
 */
export function repeatedJsonKey(text: string): string | null {
  const objects: Array<{ keys: Set<string>; expectKey: boolean } | null> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = objects.at(-1);
      if (top?.expectKey) {
        // Decoded, so "\u0065mail" and "email" are the same key.
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key) || key === "__proto__" || key === "constructor") return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === "{") objects.push({ keys: new Set(), expectKey: true });
    else if (c === "[") objects.push(null);
    else if (c === "}" || c === "]") objects.pop();
    else if (c === ",") {
      const top = objects.at(-1);
      if (top) top.expectKey = true;
    }
  }
  return null;
}

/**
 * Replaces the JSON body parser of one plugin's routes with one that refuses repeated keys (and
 * prototype keys, as the default parser does) with 400, and refuses form bodies with 400 too.
 * Encapsulated: other routes are unaffected.
 */
export function useStrictJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(new AppError("VALIDATION_FAILED", "The request body is empty."), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(new AppError("VALIDATION_FAILED", "The request body is not valid JSON."), undefined);
    }
    const repeated = repeatedJsonKey(text);
    if (repeated !== null) return done(new AppError("VALIDATION_FAILED", `The key "${repeated.slice(0, 40)}" is repeated or not allowed.`), undefined);
    done(null, parsed);
  });
  // A form repeats keys freely ("email=a&email=b"); the API takes JSON only, and says so with 400.
  app.addContentTypeParser("application/x-www-form-urlencoded", (_request, _payload, done) => {
    done(new AppError("VALIDATION_FAILED", "Send the request body as JSON."), undefined);
  });
}
