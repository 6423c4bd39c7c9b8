import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { WebhookConfig } from "../../config.ts";
import { checkAddress, isLoopbackAddress, literalAddressOf } from "./address-guard.ts";
import type { ResolvedAddress, WebhookResolver } from "./resolver.ts";

export type SendOutcome =
  | { ok: true; statusCode: number; durationMs: number }
  | { ok: false; statusCode: number | null; error: string; durationMs: number };

export interface SendDeps {
  config: Pick<WebhookConfig, "allowLoopback" | "connectTimeoutMs" | "timeoutMs" | "maxResponseBytes">;
  resolve: WebhookResolver;
}

/** Where a URL may connect: every address it resolves to, checked (decision 0033). */
export async function checkedAddressOf(deps: SendDeps, url: URL): Promise<{ ok: true; address: ResolvedAddress } | { ok: false; error: string }> {
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: `${url.protocol} is not allowed` };
  const literal = literalAddressOf(url);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: literal, family: literal.includes(":") ? 6 : 4 }];
  else {
    try {
      addresses = await deps.resolve(url.hostname);
    } catch (error) {
      return { ok: false, error: `could not resolve ${url.hostname}: ${(error as Error).message}` };
    }
  }
  if (addresses.length === 0) return { ok: false, error: `${url.hostname} has no address` };
  // Every address must pass, not just the first: the connection below uses the one checked here.
  for (const resolved of addresses) {
    const verdict = checkAddress(resolved.address, { allowLoopback: deps.config.allowLoopback });
    if (!verdict.allowed) return { ok: false, error: verdict.reason };
    if (url.protocol === "http:" && !isLoopbackAddress(resolved.address)) return { ok: false, error: "plain http is allowed only to loopback (WEBHOOK_ALLOW_LOOPBACK)" };
  }
  const [first] = addresses;
  return first ? { ok: true, address: first } : { ok: false, error: `${url.hostname} has no address` };
}

/** A lookup that answers the address already checked, so the name is not resolved a second time (no rebinding gap). */
function pinnedLookup(resolved: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: resolved.address, family: resolved.family }]);
    else callback(null, resolved.address, resolved.family);
  };
}

/**
 * One POST of a webhook: the address checked after resolution on every attempt, no redirect
 * followed, a connect and a total timeout, and at most maxResponseBytes of the answer read.
 */
export async function sendWebhook(deps: SendDeps, target: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, statusCode: null, error: "not a valid URL", durationMs: 0 };
  }
  const checked = await checkedAddressOf(deps, url);
  if (!checked.ok) return { ok: false, statusCode: null, error: checked.error, durationMs: elapsed() };
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      req.destroy();
      resolve(outcome);
    };
    const fail = (error: string, statusCode: number | null = null) => finish({ ok: false, statusCode, error, durationMs: elapsed() });
    const req = request(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body).toString(), "user-agent": "Latchkey-Webhooks/1" },
      lookup: pinnedLookup(checked.address),
      agent: false,
    });
    const total = setTimeout(() => fail(`no complete answer within ${deps.config.timeoutMs} ms`), deps.config.timeoutMs);
    req.on("socket", (socket) => {
      const connect = setTimeout(() => fail(`could not connect within ${deps.config.connectTimeoutMs} ms`), deps.config.connectTimeoutMs);
      socket.once("connect", () => clearTimeout(connect));
      socket.once("close", () => clearTimeout(connect));
    });
    req.on("error", (error) => fail(error.message));
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const done = () =>
        status >= 200 && status < 300
          ? finish({ ok: true, statusCode: status, durationMs: elapsed() })
          : fail(status >= 300 && status < 400 ? `redirect to ${res.headers.location ?? "?"} not followed` : `answered ${status}`, status);
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        // Enough of the answer: what matters is the status; hang up rather than read a flood.
        if (read >= deps.config.maxResponseBytes) done();
      });
      res.on("end", done);
      res.on("error", (error) => fail(error.message, status));
    });
    req.end(body);
  });
}
