import { randomBytes } from "node:crypto";

/** A machine client's secret, shown once: 256 random bits; only its SHA-256 is kept (as for applications, decision 0027). */
export const newClientSecret = (): string => randomBytes(32).toString("base64url");

/** Hex: an id never starts with "-", which a command line would read as an option. */
export const newClientId = (): string => randomBytes(16).toString("hex");
