import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskEmailAddress } from "../../src/features/email-address.ts";

describe("masking an address for its former owner (decision 0021)", () => {
  it("keeps the first character of the mailbox and of the domain, and the top-level domain", () => {
    expect(maskEmailAddress("alice@example.com")).toBe("a•••@e•••.com");
    expect(maskEmailAddress("a@b.co")).toBe("a•••@b•••.co");
    expect(maskEmailAddress("first.last+tag@mail.corp.example.co.uk")).toBe("f•••@m•••.uk");
    expect(maskEmailAddress("root@localhost")).toBe("r•••@l•••");
    expect(maskEmailAddress("élodie@ümlaut.de")).toBe("é•••@ü•••.de");
  });

  it("never shows more than one character of the mailbox or of the domain below the top level, nor their lengths", () => {
    const label = fc.stringMatching(/^[a-z0-9][a-z0-9.+_-]{0,30}$/);
    const domainLabel = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
    fc.assert(
      fc.property(label, fc.array(domainLabel, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/), (mailbox, labels, tld) => {
        const domain = [...labels, tld].join(".");
        const masked = maskEmailAddress(`${mailbox}@${domain}`);
        expect(masked).toBe(`${mailbox[0]}•••@${domain[0]}•••.${tld}`);
      }),
    );
  });
});
