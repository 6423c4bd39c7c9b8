import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { openSecret, sealSecret } from "../../src/features/secrets-at-rest.ts";

const A = Buffer.alloc(32, 1).toString("base64");
const B = Buffer.alloc(32, 2).toString("hex");

describe("SECRET_KEY (decision 0036)", () => {
  it("encrypts webhook secrets and authenticator-app keys alike; WEBHOOK_SECRET_KEY still names it", () => {
    const config = loadConfig({ SECRET_KEY: A });
    expect(config.secretKey?.equals(Buffer.from(A, "base64"))).toBe(true);
    expect(config.webhooks.secretKey).toBe(config.secretKey);
    const old = loadConfig({ WEBHOOK_SECRET_KEY: B });
    expect(old.secretKey?.equals(Buffer.from(B, "hex"))).toBe(true);
    expect(loadConfig({ SECRET_KEY: A, WEBHOOK_SECRET_KEY: A }).secretKey?.equals(Buffer.from(A, "base64"))).toBe(true);
    expect(loadConfig({}).secretKey).toBeUndefined();
  });

  it("refuses to start with two different keys, or a key that is not 32 bytes", () => {
    expect(() => loadConfig({ SECRET_KEY: A, WEBHOOK_SECRET_KEY: B })).toThrow(ConfigError);
    expect(() => loadConfig({ SECRET_KEY: "too short" })).toThrow(/32 random bytes/);
  });

  it("seals with the key and reads rows written before a key was set", () => {
    const key = Buffer.from(A, "base64");
    const sealed = sealSecret("JBSWY3DPEHPK3PXP", key);
    expect(sealed).toMatch(/^enc1:/);
    expect(openSecret(sealed, key)).toBe("JBSWY3DPEHPK3PXP");
    expect(openSecret(sealSecret("JBSWY3DPEHPK3PXP", undefined), key)).toBe("JBSWY3DPEHPK3PXP");
    expect(() => openSecret(sealed, undefined)).toThrow(/SECRET_KEY is not set/);
    expect(() => openSecret(sealed, Buffer.from(B, "hex"))).toThrow();
  });
});
