import type { Config } from "../../config.ts";

/** The resource indicator (and access-token audience) of Latchkey's own API: what a machine client asks a token for. */
export const apiAudience = (config: Pick<Config, "publicUrl">): string => `${config.publicUrl.replace(/\/$/, "")}/api/v1`;

/** A machine token's lifetime in seconds (decision 0028): short, because a JWT is not looked up to be revoked — its client is. */
export const API_TOKEN_TTL_SECONDS = 10 * 60;
