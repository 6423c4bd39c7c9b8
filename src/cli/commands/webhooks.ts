import { z } from "zod";
import { WEBHOOK_EVENT_TYPES, isWebhookEventType, type WebhookEventType } from "../../features/audit/webhook-event-types.ts";
import { createEndpoint } from "../../features/webhooks/create-endpoint.ts";
import { deleteEndpoint } from "../../features/webhooks/delete-endpoint.ts";
import { PLATFORM_OWNER } from "../../features/webhooks/endpoint-owner.ts";
import { listDeliveries } from "../../features/webhooks/list-deliveries.ts";
import { listEndpoints } from "../../features/webhooks/list-endpoints.ts";
import { redeliver } from "../../features/webhooks/redeliver.ts";
import { rotateEndpointSecret } from "../../features/webhooks/rotate-endpoint-secret.ts";
import { updateEndpoint } from "../../features/webhooks/update-endpoint.ts";
import { CliUsageError, formatTable, formatTime, option, parseOptions, type CliCommand } from "../command.ts";

const Id = z.uuid({ message: "not an id" });
const Url = z.string().trim().min(1).max(2000);

/** --event user.created --event grant.given, or --event all. */
function eventsOf(command: string, value: unknown): WebhookEventType[] | undefined {
  const given = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === "string");
  if (given.length === 0) return undefined;
  if (given.includes("all")) return [...WEBHOOK_EVENT_TYPES];
  const unknown = given.filter((type) => !isWebhookEventType(type));
  if (unknown.length > 0) throw new CliUsageError(`${command}: unknown event ${unknown[0]}; one of: all, ${WEBHOOK_EVENT_TYPES.join(", ")}`);
  return given as WebhookEventType[];
}

const EVENTS_HELP = `Events: all, or any of\n  ${WEBHOOK_EVENT_TYPES.join("\n  ")}`;

export const createWebhookCommand: CliCommand = {
  name: "create-webhook",
  summary: "register a platform-wide webhook endpoint (every company's events)",
  help: `Usage: latchkey create-webhook --url <https url> --event <type> [--event <type> ...] [--description <text>] [--json]

Registers an endpoint that receives the chosen events of every company, signed
(Standard Webhooks), and prints its signing secret (whsec_...) once.

${EVENTS_HELP}`,
  prepare(argv) {
    const values = parseOptions("create-webhook", argv, { url: { type: "string" }, event: { type: "string", multiple: true }, description: { type: "string" }, json: { type: "boolean" } });
    const url = option("create-webhook", values, "url", Url, true);
    const events = eventsOf("create-webhook", values.event);
    if (!events) throw new CliUsageError("create-webhook: --event is required (see latchkey create-webhook --help)");
    const description = typeof values.description === "string" ? values.description : undefined;
    return async (deps, io) => {
      const created = await createEndpoint(deps, PLATFORM_OWNER, { url, events, description });
      if (values.json === true) {
        io.out(JSON.stringify({ id: created.endpoint.id, url: created.endpoint.url, secret: created.secret }));
        return;
      }
      io.out(`Registered ${created.endpoint.url} (${created.endpoint.id}) for ${events.length} event types.`);
      io.out(`secret: ${created.secret}`);
      io.out("Keep the secret now: it cannot be shown again (rotate-webhook-secret makes a new one).");
    };
  },
};

export const listWebhooksCommand: CliCommand = {
  name: "list-webhooks",
  summary: "list the platform-wide webhook endpoints (never a secret)",
  help: "Usage: latchkey list-webhooks\n\nOne line per platform-wide endpoint: id, URL, state, events, created.",
  prepare(argv) {
    parseOptions("list-webhooks", argv, {});
    return async (deps, io) => {
      const endpoints = await listEndpoints(deps.db, PLATFORM_OWNER);
      if (endpoints.length === 0) {
        io.out("No platform-wide endpoints. Register one with `latchkey create-webhook`.");
        return;
      }
      const state = (e: (typeof endpoints)[number]) => (e.enabled ? "enabled" : e.disabledReason === "failing" ? "disabled (failing)" : "disabled");
      for (const line of formatTable(["id", "url", "state", "events", "created"], endpoints.map((e) => [e.id, e.url, state(e), e.events.join(" "), formatTime(e.createdAt)]))) io.out(line);
    };
  },
};

export const setWebhookCommand: CliCommand = {
  name: "set-webhook",
  summary: "change a platform-wide endpoint: URL, events, enable or disable",
  help: `Usage: latchkey set-webhook --id <id> [--url <https url>] [--event <type> ...] [--enable | --disable]

Enabling an endpoint that was disabled sends the events it missed, in order.

${EVENTS_HELP}`,
  prepare(argv) {
    const values = parseOptions("set-webhook", argv, { id: { type: "string" }, url: { type: "string" }, event: { type: "string", multiple: true }, enable: { type: "boolean" }, disable: { type: "boolean" } });
    const id = option("set-webhook", values, "id", Id, true);
    const url = option("set-webhook", values, "url", Url, false);
    const events = eventsOf("set-webhook", values.event);
    if (values.enable === true && values.disable === true) throw new CliUsageError("set-webhook: --enable or --disable, not both");
    const enabled = values.enable === true ? true : values.disable === true ? false : undefined;
    return async (deps, io) => {
      const endpoint = await updateEndpoint(deps, PLATFORM_OWNER, id, { url, events, enabled });
      io.out(`${endpoint.url} (${endpoint.id}): ${endpoint.enabled ? "enabled" : "disabled"}, events ${endpoint.events.join(" ")}`);
    };
  },
};

export const rotateWebhookSecretCommand: CliCommand = {
  name: "rotate-webhook-secret",
  summary: "give a platform-wide endpoint a new signing secret",
  help: `Usage: latchkey rotate-webhook-secret --id <id> [--json]

Prints the new secret, once. Until WEBHOOK_SECRET_OVERLAP (24h) has passed, every
delivery carries signatures with both the old and the new secret.`,
  prepare(argv) {
    const values = parseOptions("rotate-webhook-secret", argv, { id: { type: "string" }, json: { type: "boolean" } });
    const id = option("rotate-webhook-secret", values, "id", Id, true);
    return async (deps, io) => {
      const rotated = await rotateEndpointSecret(deps, PLATFORM_OWNER, id);
      if (values.json === true) {
        io.out(JSON.stringify({ id, secret: rotated.secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt }));
        return;
      }
      io.out(`secret: ${rotated.secret}`);
      io.out(`The previous secret also signs until ${formatTime(rotated.previousSecretExpiresAt)}.`);
    };
  },
};

export const deleteWebhookCommand: CliCommand = {
  name: "delete-webhook",
  summary: "remove a platform-wide endpoint and its delivery log",
  help: "Usage: latchkey delete-webhook --id <id>",
  prepare(argv) {
    const values = parseOptions("delete-webhook", argv, { id: { type: "string" } });
    const id = option("delete-webhook", values, "id", Id, true);
    return async (deps, io) => {
      await deleteEndpoint(deps, PLATFORM_OWNER, id);
      io.out(`Deleted endpoint ${id}.`);
    };
  },
};

export const webhookDeliveriesCommand: CliCommand = {
  name: "webhook-deliveries",
  summary: "a platform-wide endpoint's delivery log, newest first",
  help: `Usage: latchkey webhook-deliveries --id <endpoint id> [--limit <n>]

One line per delivery: id, event, status, attempts, response code, duration, next attempt.`,
  prepare(argv) {
    const values = parseOptions("webhook-deliveries", argv, { id: { type: "string" }, limit: { type: "string" } });
    const id = option("webhook-deliveries", values, "id", Id, true);
    const limit = option("webhook-deliveries", values, "limit", z.coerce.number().int().min(1).max(100), false) ?? 25;
    return async (deps, io) => {
      const { deliveries } = await listDeliveries(deps.db, PLATFORM_OWNER, id, { limit });
      if (deliveries.length === 0) {
        io.out("No deliveries yet.");
        return;
      }
      const rows = deliveries.map((d) => [
        d.id,
        d.eventType,
        d.status,
        String(d.attempts),
        d.responseCode === null ? "" : String(d.responseCode),
        d.durationMs === null ? "" : `${d.durationMs} ms`,
        d.nextAttemptAt ? formatTime(new Date(d.nextAttemptAt)) : "",
        d.error ?? "",
      ]);
      for (const line of formatTable(["id", "event", "status", "attempts", "code", "duration", "next attempt", "error"], rows)) io.out(line);
    };
  },
};

export const redeliverWebhookCommand: CliCommand = {
  name: "redeliver-webhook",
  summary: "send one delivery of a platform-wide endpoint again",
  help: "Usage: latchkey redeliver-webhook --id <endpoint id> --delivery <delivery id>",
  prepare(argv) {
    const values = parseOptions("redeliver-webhook", argv, { id: { type: "string" }, delivery: { type: "string" } });
    const id = option("redeliver-webhook", values, "id", Id, true);
    const delivery = option("redeliver-webhook", values, "delivery", Id, true);
    return async (deps, io) => {
      const queued = await redeliver(deps, PLATFORM_OWNER, id, delivery);
      io.out(`Queued as delivery ${queued.deliveryId}.`);
    };
  },
};

export const WEBHOOK_COMMANDS = [
  createWebhookCommand,
  listWebhooksCommand,
  setWebhookCommand,
  rotateWebhookSecretCommand,
  deleteWebhookCommand,
  webhookDeliveriesCommand,
  redeliverWebhookCommand,
];
