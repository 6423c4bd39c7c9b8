import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { TEST_PUBLIC_URL } from "./test-app.ts";

/**
 * A passkey authenticator in software, for integration tests without a browser: an ES256 key pair
 * from node:crypto, authenticator data and clientDataJSON built byte by byte (WebAuthn Level 3,
 * §6.1 and §5.8.1), "none" attestation, and assertion signatures over authData ‖ SHA-256(clientDataJSON).
 * Each ceremony can be bent (another origin or rpID, no user verification, a counter of the test's
 * choosing) to play the attacker's variant.
 */

/** A minimal CBOR encoder (RFC 8949): unsigned and negative integers, byte and text strings, maps. */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;
function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  if (length < 65536) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(length, 1);
  return b;
}
export function cbor(value: Cbor): Buffer {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const b64 = (data: Buffer) => data.toString("base64url");

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface CeremonyBend {
  origin?: string;
  rpId?: string;
  /** Leave the user-verified flag off (a security key without a PIN). */
  unverified?: boolean;
  /** Sign this challenge instead of the one offered. */
  challenge?: string;
  /** Use this counter value instead of the next one. */
  counter?: number;
  type?: string;
}

const DEFAULT_RP_ID = new URL(TEST_PUBLIC_URL).hostname;
const DEFAULT_ORIGIN = new URL(TEST_PUBLIC_URL).origin;

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly #privateKey: KeyObject;
  readonly #cosePublicKey: Buffer;
  /** The signature counter; starts above zero so the clone check has something to compare (0 means "no counter"). */
  counter: number;
  /** The user handle given at registration (the options' user.id). */
  userHandle: string | null = null;

  constructor(options: { counter?: number } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.#privateKey = privateKey;
    const jwk = publicKey.export({ format: "jwk" });
    if (!jwk.x || !jwk.y) throw new Error("no EC coordinates");
    this.#cosePublicKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x, "base64url")],
        [-3, Buffer.from(jwk.y, "base64url")],
      ]),
    );
    this.counter = options.counter ?? 1;
  }

  get id(): string {
    return b64(this.credentialId);
  }

  #authData(rpId: string, flags: number, counter: number, attested: boolean): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const parts: Buffer[] = [sha256(rpId), Buffer.from([flags]), count];
    if (attested) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), length, this.credentialId, this.#cosePublicKey);
    }
    return Buffer.concat(parts);
  }

  #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** Answers navigator.credentials.create() options (the JSON the options route returns). */
  register(options: { challenge: string; user: { id: string } }, bend: CeremonyBend = {}) {
    this.userHandle = options.user.id;
    const flags = FLAG_UP | FLAG_AT | (bend.unverified ? 0 : FLAG_UV);
    const authData = this.#authData(bend.rpId ?? DEFAULT_RP_ID, flags, bend.counter ?? this.counter, true);
    const clientDataJSON = this.#clientData(bend.type ?? "webauthn.create", bend.challenge ?? options.challenge, bend.origin ?? DEFAULT_ORIGIN);
    const attestationObject = cbor(new Map<Cbor, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: { clientDataJSON: b64(clientDataJSON), attestationObject: b64(attestationObject), transports: ["internal"] },
      authenticatorAttachment: "platform" as const,
      clientExtensionResults: {},
    };
  }

  /** Answers navigator.credentials.get() options; the counter moves forward unless the bend sets it. */
  assert(options: { challenge: string }, bend: CeremonyBend & { userHandle?: string | null } = {}) {
    if (bend.counter === undefined) this.counter += 1;
    const flags = FLAG_UP | (bend.unverified ? 0 : FLAG_UV);
    const authData = this.#authData(bend.rpId ?? DEFAULT_RP_ID, flags, bend.counter ?? this.counter, false);
    const clientDataJSON = this.#clientData(bend.type ?? "webauthn.get", bend.challenge ?? options.challenge, bend.origin ?? DEFAULT_ORIGIN);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), this.#privateKey);
    const userHandle = bend.userHandle === undefined ? this.userHandle : bend.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: { clientDataJSON: b64(clientDataJSON), authenticatorData: b64(authData), signature: b64(signature), ...(userHandle ? { userHandle } : {}) },
      authenticatorAttachment: "platform" as const,
      clientExtensionResults: {},
    };
  }
}
