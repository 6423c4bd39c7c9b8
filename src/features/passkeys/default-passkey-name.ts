import type { CredentialDeviceType } from "@simplewebauthn/server";

const PLATFORMS: Array<[RegExp, string]> = [
  [/iPhone|iPad|iPod/, "iOS"],
  [/Android/, "Android"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/**
 * A name the owner can recognise until they choose one: what kind of authenticator it is (synced
 * across devices, a security key, this device) and, from the browser that registered it, which
 * system. Without a vendor list (decision 0038) the AAGUID names nothing reliable. A name the user
 * already has gets a number.
 */
export function defaultPasskeyName(input: { deviceType: CredentialDeviceType; transports: string[]; userAgent: string | undefined }, taken: string[]): string {
  const roaming = input.transports.some((transport) => ["usb", "nfc", "ble", "smart-card"].includes(transport));
  const kind = input.deviceType === "multiDevice" ? "Synced passkey" : roaming && !input.transports.includes("internal") ? "Security key" : "Passkey";
  const platform = PLATFORMS.find(([pattern]) => pattern.test(input.userAgent ?? ""))?.[1];
  const base = platform && kind !== "Security key" ? `${kind} on ${platform}` : kind;
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) if (!names.has(`${base} ${n}`)) return `${base} ${n}`;
}
