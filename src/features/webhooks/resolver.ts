import { lookup } from "node:dns/promises";

/** A resolved address of a host name. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Host name → addresses. Injected (deps.webhookResolver) so tests can point a name at 169.254.169.254. */
export type WebhookResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: WebhookResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });
