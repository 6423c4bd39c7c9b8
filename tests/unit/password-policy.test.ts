import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.ts";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "../../src/features/auth/passwords.ts";

const context = { minLength: 15, email: "ada.lovelace@analytical.test", companyName: "Analytical Engines" };
const refusal = (password: string, ctx = context) => {
  try {
    checkPasswordPolicy(password, ctx);
    return null;
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
};

describe("password policy (NIST SP 800-63B)", () => {
  it("accepts a long passphrase with no composition rules", () => {
    expect(refusal("correct horse battery staple")).toBeNull();
    expect(refusal("tout en minuscules sans chiffres")).toBeNull();
  });

  it("counts characters, not bytes, after NFKC", () => {
    expect(refusal("ĉĝĥĵŝŭĉĝĥĵŝŭĉĝĥ")).toBeNull(); // 15 characters, 30 bytes
    expect(refusal("ĉĝĥĵŝŭĉĝĥĵŝŭĉĝ")).toBe("PASSWORD_TOO_SHORT");
  });

  it.each([
    ["short one", "PASSWORD_TOO_SHORT"],
    ["x".repeat(129), "PASSWORD_TOO_LONG"],
    ["123456789987654321", "PASSWORD_TOO_COMMON"],
    ["qazwsxedcrfvtgb", "PASSWORD_TOO_COMMON"],
    ["passwordpassword", "PASSWORD_TOO_COMMON"],
    ["aaaaaaaaaaaaaaaa", "PASSWORD_TOO_COMMON"],
    ["abababababababab", "PASSWORD_TOO_COMMON"],
    ["password12345678!", "PASSWORD_TOO_COMMON"],
    ["!!!!Sunshine2024!!!!", "PASSWORD_TOO_COMMON"],
    ["ada.lovelace@analytical.test!", "PASSWORD_CONTAINS_IDENTITY"],
    ["my name is ada.lovelace ok", "PASSWORD_CONTAINS_IDENTITY"],
    ["i work at analytical engines", "PASSWORD_CONTAINS_IDENTITY"],
  ])("refuses %j (%s)", (password, code) => {
    expect(refusal(password)).toBe(code);
  });

  it("never goes below the configured minimum", () => {
    expect(refusal("twelve chars", { ...context, minLength: 8 })).toBeNull();
    expect(refusal("seven c", { ...context, minLength: 8 })).toBe("PASSWORD_TOO_SHORT");
  });

  it("hashes with argon2id at OWASP's parameters or stronger, and verifies the NFKC form", async () => {
    const hash = await hashPassword("ﬁne passphrase for tests");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/);
    const [, m, t, p] = /m=(\d+),t=(\d+),p=(\d+)/.exec(hash) ?? [];
    expect(Number(m)).toBeGreaterThanOrEqual(19_456);
    expect(Number(t)).toBeGreaterThanOrEqual(2);
    expect(Number(p)).toBe(1);
    // "ﬁ" (one ligature character) and "fi" are the same password after NFKC.
    expect(await verifyPassword(hash, "fine passphrase for tests")).toBe(true);
    expect(await verifyPassword(hash, "fine passphrase for test")).toBe(false);
  });
});
