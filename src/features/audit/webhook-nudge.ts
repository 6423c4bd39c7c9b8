/**
 * A hint, within one process, that webhook deliveries were just written: the process's delivery
 * worker looks for due work at once instead of at its next poll. Only a hint — the rows in the
 * database are the truth, and other instances find them at their next poll (decision 0032).
 */
const listeners = new Set<() => void>();

export function onWebhookDeliveriesWritten(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function webhookDeliveriesWritten(): void {
  for (const listener of listeners) listener();
}
