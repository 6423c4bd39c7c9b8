import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDuration } from "../../src/config.ts";

describe("configuration", () => {
  it("starts with no configuration at all, with the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: "http://localhost:3000",
      dataDir: "./data",
      databaseUrl: undefined,
      smtpUrl: undefined,
      smtpConnections: 5,
      resetLinkTtlMs: 24 * 3_600_000,
      inviteLinkTtlMs: 7 * 86_400_000,
      passwordMinLength: 15,
      signup: true,
    });
  });

  it.each([
    ["PORT", "eighty"],
    ["PUBLIC_URL", "not a url"],
    ["PUBLIC_URL", "ftp://example.com"],
    // The issuer of the OpenID provider: an origin, nothing after it.
    ["PUBLIC_URL", "https://example.com/latchkey"],
    ["PUBLIC_URL", "https://example.com/?tenant=a"],
    ["PUBLIC_URL", "https://admin@example.com"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["SMTP_URL", "http://mail.example.com"],
    ["RESET_LINK_TTL", "a day"],
    ["INVITE_LINK_TTL", "0h"],
    ["PASSWORD_MIN_LENGTH", "6"],
    ["SIGNUP", "maybe"],
    ["SMTP_CONNECTIONS", "0"],
    ["SMTP_CONNECTIONS", "many"],
    ["NODE_ENV", "staging"],
  ])("refuses %s=%s with a message naming the variable", (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
  });

  it("reads durations and strips a trailing slash from PUBLIC_URL", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("soon")).toBeNull();
    expect(loadConfig({ PUBLIC_URL: "https://id.example.com/" }).publicUrl).toBe("https://id.example.com");
    expect(loadConfig({ SIGNUP: "off" }).signup).toBe(false);
    expect(loadConfig({ SMTP_CONNECTIONS: "2" }).smtpConnections).toBe(2);
  });
});

describe("where a development server listens", () => {
  it("listens on 127.0.0.1 while the development mailbox is on, and on every address once it is off", () => {
    expect(loadConfig({}).host).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "test" }).host).toBe("127.0.0.1");
    expect(loadConfig({ SMTP_URL: "smtp://mail.example.com:587" }).host).toBe("0.0.0.0");
    expect(loadConfig({ NODE_ENV: "production" }).host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "0.0.0.0" }).host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "::" , SMTP_URL: "smtp://mail.example.com:587" }).host).toBe("::");
  });
});

describe("which proxies are trusted (TRUST_PROXY)", () => {
  it.each([
    [undefined, false],
    ["off", false],
    ["false", false],
    ["0", false],
    ["1", 1],
    ["2", 2],
    ["127.0.0.1", ["127.0.0.1"]],
    ["10.0.0.0/8, 127.0.0.1", ["10.0.0.0/8", "127.0.0.1"]],
    ["loopback,uniquelocal", ["loopback", "uniquelocal"]],
    ["::1/128,fd00::/8", ["::1/128", "fd00::/8"]],
  ])("reads %s as %j", (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(["on", "true", "yes", "ON", "17", "10.0.0.0/33", "::1/129", "300.1.1.1", "10.0.0.0/8/1", "proxy.example.com", "127.0.0.1,", "127.0.0.1,*", "-1", "1.5"])(
    "refuses %s, naming the variable and saying what to write instead",
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  it("explains why trusting every hop is refused", () => {
    expect(() => loadConfig({ TRUST_PROXY: "on" })).toThrow(/every X-Forwarded-For hop.*hop count such as 1/s);
  });
});
