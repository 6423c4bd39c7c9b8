import { describe, expect, it } from "vitest";
import { demandOf, DAY_MS } from "../../src/features/second-factor/demand.ts";
import { digestRecoveryCode, normalizeRecoveryCode } from "../../src/features/second-factor/recovery-codes.ts";
import { matchingStep, newTotpSecret, totpCode, totpStep } from "../../src/features/second-factor/totp.ts";

// RFC 6238 appendix B's SHA-1 key, "12345678901234567890", in base32.
const RFC_KEY = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("authenticator app codes (RFC 6238)", () => {
  it("computes the RFC's test vectors (their last six digits)", () => {
    expect(totpCode(RFC_KEY, new Date(59_000))).toBe("287082");
    expect(totpCode(RFC_KEY, new Date(1_111_111_109_000))).toBe("081804");
    expect(totpCode(RFC_KEY, new Date(2_000_000_000_000))).toBe("279037");
  });

  it("accepts the code of the current step and one step either side, naming the step; nothing further", () => {
    const secret = newTotpSecret();
    const now = new Date(1_800_000_000_000);
    const step = totpStep(now);
    const codeAt = (steps: number) => totpCode(secret, new Date(now.getTime() + steps * 30_000));
    expect(matchingStep(secret, codeAt(0), now)).toBe(step);
    expect(matchingStep(secret, codeAt(-1), now)).toBe(step - 1);
    expect(matchingStep(secret, codeAt(1), now)).toBe(step + 1);
    expect(matchingStep(secret, codeAt(-2), now)).toBeNull();
    expect(matchingStep(secret, codeAt(2), now)).toBeNull();
  });

  it("decides by the clock it is given: a code valid one second before its window's end, refused after the drift allowance", () => {
    const secret = newTotpSecret();
    const start = new Date(Math.floor(1_800_000_000_000 / 30_000) * 30_000);
    const code = totpCode(secret, start);
    expect(matchingStep(secret, code, new Date(start.getTime() + 59_999))).toBe(totpStep(start));
    expect(matchingStep(secret, code, new Date(start.getTime() + 60_000))).toBeNull();
  });

  it("refuses what is not six digits (spaces allowed, as apps show them)", () => {
    const secret = newTotpSecret();
    const now = new Date(1_800_000_000_000);
    const code = totpCode(secret, now);
    expect(matchingStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(totpStep(now));
    for (const bad of ["", "12345", "1234567", "abcdef", `${code}0`]) expect(matchingStep(secret, bad, now)).toBeNull();
  });
});

describe("recovery codes", () => {
  it("are matched whatever the case, dashes and spaces", () => {
    expect(normalizeRecoveryCode(" AB12-cd34 EF56-gh78 ")).toBe("ab12cd34ef56gh78");
    expect(digestRecoveryCode("AB12-CD34-EF56-GH78")).toBe(digestRecoveryCode("ab12cd34ef56gh78"));
  });
});

describe("what is demanded of a user", () => {
  const none = { hasTotp: false, hasPasskey: false, recoveryCodesLeft: 0, enrolmentDue: false, policies: [] };
  const now = new Date("2026-12-06T12:00:00Z");
  it("asks a user with a factor for it, offering recovery codes while some are left", () => {
    expect(demandOf({ ...none, hasTotp: true, recoveryCodesLeft: 2 }, now)).toEqual({ kind: "second_factor", methods: ["totp", "recovery_code"], recoveryCodesLeft: 2 });
    expect(demandOf({ ...none, hasPasskey: true }, now)).toEqual({ kind: "second_factor", methods: ["passkey"], recoveryCodesLeft: 0 });
  });
  it("demands enrolment after a reset, or once the policy's grace period is over; before that, a deadline", () => {
    expect(demandOf({ ...none, enrolmentDue: true }, now).kind).toBe("enrol");
    const policy = { requiredAt: new Date(now.getTime() - 7 * DAY_MS), graceDays: 7 };
    expect(demandOf({ ...none, policies: [policy] }, now)).toMatchObject({ kind: "enrol", reason: "policy" });
    expect(demandOf({ ...none, policies: [policy] }, new Date(now.getTime() - 1))).toEqual({ kind: "grace", deadline: now });
    expect(demandOf(none, now)).toEqual({ kind: "none" });
  });
});
