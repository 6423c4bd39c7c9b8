import { expect } from "vitest";
import type { TestClient } from "./client.ts";
import type { WebhookReceiver } from "./webhook-receiver.ts";

/** Registers an endpoint through the API as the administrator, and teaches the receiver its secret. */
export async function registerEndpoint(admin: TestClient, receiver: WebhookReceiver, events: string[], url = receiver.url) {
  const reply = await admin.post("/api/v1/webhook-endpoints", { url, events });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  expect(reply.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  receiver.secrets = [...receiver.secrets, reply.body.secret as string];
  return reply.body as { endpoint: { id: string; url: string }; secret: string };
}

/** Waits until the receiver has a verified delivery of this type (and subject, if given); returns it. */
export async function awaitEvent(receiver: WebhookReceiver, type: string, subjectId?: string, timeoutMs = 10_000) {
  const matches = (r: WebhookReceiver["received"][number]) => r.type === type && r.verifiedWith.length > 0 && (!subjectId || r.payload.subject?.id === subjectId);
  await receiver.waitFor((received) => received.some(matches), timeoutMs);
  const found = receiver.received.find(matches);
  if (!found) throw new Error(`no ${type}`);
  return found;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
