import type { WebhookConfig } from "../../config.ts";
import { assertThat } from "../../errors.ts";
import { checkAddress, isLoopbackAddress, literalAddressOf } from "./address-guard.ts";

/**
 * An endpoint's URL when registered: https (plain http only to loopback while WEBHOOK_ALLOW_LOOPBACK
 * is on), no credentials, and no literal blocked address. A host name is checked after resolution
 * on every attempt instead: what it resolves to today says nothing about tomorrow (decision 0033).
 */
export function assertWebhookUrl(value: string, config: Pick<WebhookConfig, "allowLoopback">): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  assertThat(url && (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && value.length <= 2000, "WEBHOOK_URL_INVALID");
  const literal = literalAddressOf(url);
  if (literal) assertThat(checkAddress(literal, config).allowed, "WEBHOOK_URL_NOT_ALLOWED");
  // A name over plain http is let through here and must resolve to loopback at every attempt.
  if (url.protocol === "http:") assertThat(config.allowLoopback && (!literal || isLoopbackAddress(literal)), "WEBHOOK_URL_INVALID");
  url.hash = "";
  return url.toString();
}
