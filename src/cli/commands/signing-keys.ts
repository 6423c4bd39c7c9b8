import { recordAuditEvent } from "../../features/audit/record-audit-event.ts";
import { listSigningKeys, rotateSigningKey } from "../../oidc/keys.ts";
import { KEY_PUBLISH_AFTER_RETIRE_MS } from "../../oidc/provider.ts";
import { formatTable, formatTime, parseOptions, type CliCommand } from "../command.ts";
import { parseDuration } from "./oidc-clients.ts";

export const rotateSigningKeyCommand: CliCommand = {
  name: "rotate-signing-key",
  summary: "make a new key sign the OpenID provider's tokens",
  help: `Usage: latchkey rotate-signing-key [--in <duration>] [--now]

Adds a new RS256 signing key, published in the JWKS at once, that signs new tokens
--in from now (default 15m: every instance reloads keys each minute, and clients
cache the JWKS). The current key then stops signing and stays published until
the last token it signed has expired (${Math.round(KEY_PUBLISH_AFTER_RETIRE_MS / 60_000)} minutes).

  --now   for a compromised key: the new key signs at once and the old one leaves
          the JWKS at once (tokens it signed stop verifying; refresh tokens survive)

Prints key ids and times, never a private part.`,
  prepare(argv) {
    const values = parseOptions("rotate-signing-key", argv, { in: { type: "string" }, now: { type: "boolean" } });
    const immediate = values.now === true;
    const delayMs = immediate ? 0 : parseDuration("rotate-signing-key", "in", typeof values.in === "string" ? values.in : undefined, 15 * 60_000);
    return async (deps, io) => {
      const now = deps.clock.now();
      await deps.oidc.current();
      const rotated = await rotateSigningKey(deps.db, { now, signsFrom: new Date(now.getTime() + delayMs), publishForMs: KEY_PUBLISH_AFTER_RETIRE_MS, immediate });
      await recordAuditEvent(deps.db, { action: "oidc.signing_key_rotated", details: { via: "cli", kid: rotated.newKid, retired: rotated.retiredKids, immediate }, at: now });
      io.out(`New signing key ${rotated.newKid}: published now, signs from ${formatTime(rotated.signsFrom)}.`);
      for (const kid of rotated.retiredKids) {
        io.out(immediate ? `Key ${kid} withdrawn now.` : `Key ${kid} stops signing then and stays published until ${formatTime(rotated.publishedUntil)}.`);
      }
      const table = formatTable(
        ["kid", "signs from", "retired", "published until"],
        (await listSigningKeys(deps.db)).map((key) => [key.kid, formatTime(key.signsFrom), formatTime(key.retiredAt), key.publishUntil ? formatTime(key.publishUntil) : "(current)"]),
      );
      for (const line of table) io.out(line);
    };
  },
};
