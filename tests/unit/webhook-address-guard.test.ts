import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAddress, literalAddressOf } from "../../src/features/webhooks/address-guard.ts";
import { assertWebhookUrl } from "../../src/features/webhooks/webhook-url.ts";

const strict = { allowLoopback: false };
const octet = fc.integer({ min: 0, max: 255 });

/** Blocked IPv4 ranges as (first octets, prefix) generators of addresses inside them. */
const BLOCKED_V4: [string, fc.Arbitrary<string>][] = [
  ["loopback 127/8", fc.tuple(octet, octet, octet).map(([b, c, d]) => `127.${b}.${c}.${d}`)],
  ["private 10/8", fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`)],
  ["private 172.16/12", fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`)],
  ["private 192.168/16", fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`)],
  ["shared 100.64/10", fc.tuple(fc.integer({ min: 64, max: 127 }), octet, octet).map(([b, c, d]) => `100.${b}.${c}.${d}`)],
  ["link-local 169.254/16", fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`)],
  ["unspecified 0/8", fc.tuple(octet, octet, octet).map(([b, c, d]) => `0.${b}.${c}.${d}`)],
  ["multicast 224/4", fc.tuple(fc.integer({ min: 224, max: 239 }), octet, octet, octet).map((o) => o.join("."))],
  ["reserved 240/4", fc.tuple(fc.integer({ min: 240, max: 255 }), octet, octet, octet).map((o) => o.join("."))],
];

const hex = (n: number) => n.toString(16);
const mappedForms = (v4: string) => {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split(".").map(Number);
  const high = hex((a << 8) | b);
  const low = hex((c << 8) | d);
  return [`::ffff:${v4}`, `::ffff:${high}:${low}`, `0:0:0:0:0:ffff:${high}:${low}`, `64:ff9b::${high}:${low}`, `::${v4}`];
};

describe("the outbound address guard (decision 0033)", () => {
  for (const [name, addresses] of BLOCKED_V4) {
    it(`refuses every address of ${name}, and its IPv4-mapped / NAT64 IPv6 forms`, () => {
      fc.assert(
        fc.property(addresses, (address) => {
          expect(checkAddress(address, strict).allowed).toBe(false);
          for (const form of mappedForms(address)) expect(checkAddress(form, strict).allowed, form).toBe(false);
        }),
      );
    });
  }

  it("refuses the IPv6 loopback, unspecified, unique-local (incl. fd00:ec2::254), link-local and multicast ranges", () => {
    for (const address of ["::1", "::", "0:0:0:0:0:0:0:1", "fd00:ec2::254", "fc00::1", "fdff:ffff::1", "fe80::1", "febf::1", "ff02::1", "fe80::1%eth0"]) {
      expect(checkAddress(address, strict).allowed, address).toBe(false);
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }), fc.integer({ min: 0xfc00, max: 0xfdff }), (rest, first) => {
        expect(checkAddress([first, ...rest].map(hex).join(":"), strict).allowed).toBe(false);
      }),
    );
  });

  it("allows public addresses", () => {
    for (const address of ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1"]) {
      expect(checkAddress(address, strict).allowed, address).toBe(true);
    }
  });

  it("with WEBHOOK_ALLOW_LOOPBACK, allows loopback only — private and metadata stay refused", () => {
    const loose = { allowLoopback: true };
    for (const address of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) expect(checkAddress(address, loose).allowed, address).toBe(true);
    for (const address of ["169.254.169.254", "10.0.0.1", "192.168.1.1", "fd00:ec2::254", "0.0.0.0", "::"]) expect(checkAddress(address, loose).allowed, address).toBe(false);
  });

  it("reads the literal a URL really names: decimal, octal, hex and short IPv4 forms, bracketed IPv6", () => {
    const cases: [string, string][] = [
      ["https://2130706433/", "127.0.0.1"],
      ["https://0177.0.0.1/", "127.0.0.1"],
      ["https://0x7f.1/", "127.0.0.1"],
      ["https://127.1/", "127.0.0.1"],
      ["https://0xa9fea9fe/", "169.254.169.254"],
      ["https://[::1]/", "::1"],
      ["https://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
      ["https://[fd00:ec2::254]/", "fd00:ec2::254"],
    ];
    for (const [url, literal] of cases) {
      expect(literalAddressOf(new URL(url))).toBe(literal);
      expect(checkAddress(literal, strict).allowed, url).toBe(false);
      expect(() => assertWebhookUrl(url, strict), url).toThrow(expect.objectContaining({ code: "WEBHOOK_URL_NOT_ALLOWED" }));
    }
  });

  it("registration wants https without credentials; http only to loopback when allowed", () => {
    for (const url of ["http://hooks.example.com/", "ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "not a url", "javascript:alert(1)", "file:///etc/passwd"]) {
      expect(() => assertWebhookUrl(url, strict), url).toThrow(expect.objectContaining({ code: "WEBHOOK_URL_INVALID" }));
    }
    expect(assertWebhookUrl("https://hooks.example.com/in#frag", strict)).toBe("https://hooks.example.com/in");
    expect(assertWebhookUrl("http://127.0.0.1:8080/in", { allowLoopback: true })).toBe("http://127.0.0.1:8080/in");
    expect(() => assertWebhookUrl("http://127.0.0.1:8080/in", strict)).toThrow();
    // A name over http passes registration only with loopback allowed; each attempt then requires it to resolve to loopback.
    expect(assertWebhookUrl("http://receiver.local:8080/in", { allowLoopback: true })).toBe("http://receiver.local:8080/in");
    expect(() => assertWebhookUrl("http://10.0.0.1:8080/in", { allowLoopback: true })).toThrow();
  });
});
