import { formatExpiry, renderEmail, type EmailContent } from "./layout.ts";

export interface WebhookDisabledEmailInput {
  recipientName: string;
  companyName: string;
  endpointUrl: string;
  failingSince: Date;
  lastError: string | null;
  integrationsUrl: string;
}

/** To a company's administrators: Latchkey turned off a webhook endpoint after a day of failed deliveries. */
export function webhookDisabledEmail(input: WebhookDisabledEmailInput): EmailContent {
  return renderEmail({
    subject: `A webhook endpoint of ${input.companyName} was disabled`,
    greeting: `Hello ${input.recipientName},`,
    paragraphs: [
      `Every delivery to the webhook endpoint ${input.endpointUrl} has failed since ${formatExpiry(input.failingSince)}, so Latchkey disabled it and stopped sending events to it.`,
      ...(input.lastError ? [`The last attempt failed with: ${input.lastError}`] : []),
      "Events queued before it was disabled are kept; events after it are not sent to it. Once the receiver works again, enable the endpoint in the Integrations tab: the kept events are then sent, in order.",
    ],
    action: { label: "Open Integrations", url: input.integrationsUrl },
    footer: "You receive this because you are an administrator of this company in Latchkey.",
  });
}
