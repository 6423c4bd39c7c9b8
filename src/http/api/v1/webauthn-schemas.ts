import { z } from "zod";
import { fitForAName } from "../../../features/control-characters.ts";

/**
 * The WebAuthn shapes the passkey routes exchange with @simplewebauthn/browser (its JSON forms of
 * the options and of the authenticator's answers). Every binary field is base64url and bounded:
 * the library parses them, so nothing unbounded reaches it.
 */
const B64 = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, "Not base64url.");
const CredentialId = B64(1400);
const Transports = z.array(z.string().max(32)).max(10);
const Attachment = z.enum(["platform", "cross-platform"]);
const Extensions = z.record(z.string(), z.unknown()).refine((value) => JSON.stringify(value).length <= 2000, "Too large.");

export const PasskeyName = z
  .string()
  .refine(fitForAName, "Control characters, direction overrides and line separators are not allowed in a name.")
  .trim()
  .min(1, "Enter a name.")
  .max(60);

export const RegistrationAnswer = z.object({
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: B64(4000),
    attestationObject: B64(16_000),
    transports: Transports.optional(),
  }),
  authenticatorAttachment: Attachment.optional(),
  clientExtensionResults: Extensions,
});

export const AssertionAnswer = z.object({
  id: CredentialId,
  rawId: CredentialId,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: B64(4000),
    authenticatorData: B64(4000),
    signature: B64(2000),
    userHandle: B64(200).optional(),
  }),
  authenticatorAttachment: Attachment.optional(),
  clientExtensionResults: Extensions,
});

const Descriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });

export const CreationOptions = z.object({
  challenge: z.string(),
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ type: z.string(), alg: z.number() })),
  timeout: z.number().optional(),
  attestation: z.string().optional(),
  excludeCredentials: z.array(Descriptor).optional(),
  authenticatorSelection: z
    .object({ authenticatorAttachment: z.string().optional(), residentKey: z.string().optional(), requireResidentKey: z.boolean().optional(), userVerification: z.string().optional() })
    .optional(),
  extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  hints: z.array(z.string()).optional(),
});

export const RequestOptions = z.object({
  challenge: z.string(),
  rpId: z.string().optional(),
  timeout: z.number().optional(),
  allowCredentials: z.array(Descriptor).optional(),
  userVerification: z.string().optional(),
  extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  hints: z.array(z.string()).optional(),
});
