import { useState, type FormEvent } from "react";
import { api } from "../../../api/endpoints.ts";
import type { WebhookEventGroup } from "../../../api/types.ts";
import { Field } from "../../../components/field.tsx";
import { FormResult } from "../../../components/notice.tsx";
import { SubmitButton } from "../../../components/submit-button.tsx";
import { useFormSubmit } from "../../../lib/use-form-submit.ts";
import { EventCheckboxes } from "./event-checkboxes.tsx";

type FieldName = "url" | "description" | "events";

/** Registers an endpoint: its address, what it is for, and the events it wants. */
export function AddEndpointForm({ groups, onCreated, onCancel }: { groups: WebhookEventGroup[]; onCreated: (created: { id: string; url: string; secret: string }) => void; onCancel: () => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<Set<string>>(new Set());
  const form = useFormSubmit<FieldName>({
    fields: ["url", "description", "events"],
    fieldId: (field) => (field === "events" ? "events-error" : `endpoint-${field}`),
    codeToField: { WEBHOOK_URL_INVALID: "url", WEBHOOK_URL_NOT_ALLOWED: "url", WEBHOOK_EVENTS_REQUIRED: "events" },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const invalid: Partial<Record<FieldName, string>> = {};
    if (!url.trim()) invalid.url = "Enter the endpoint's address.";
    if (events.size === 0) invalid.events = "Choose at least one event.";
    void form.run(
      async () => {
        const created = await api.createWebhookEndpoint({ url: url.trim(), events: [...events] as never, ...(description.trim() ? { description: description.trim() } : {}) });
        onCreated({ id: created.endpoint.id, url: created.endpoint.url, secret: created.secret });
      },
      { invalid },
    );
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="add-endpoint-heading">
      <h3 id="add-endpoint-heading" className="section-title">
        Add an endpoint
      </h3>
      <Field
        id="endpoint-url"
        label="Endpoint URL"
        hint="An https:// address of your service. Latchkey POSTs each event there, signed with the Standard Webhooks scheme."
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://api.example.com/latchkey-events"
        value={url}
        error={form.errors.url}
        onChange={(event) => setUrl(event.target.value)}
      />
      <Field id="endpoint-description" label="Description" optional hint="What receives these events, for your team." value={description} error={form.errors.description} maxLength={200} onChange={(event) => setDescription(event.target.value)} />
      <EventCheckboxes groups={groups} selected={events} onChange={setEvents} error={form.errors.events} />
      <FormResult message={form.message} />
      <div className="form-actions">
        <SubmitButton busy={form.busy} busyLabel="Adding…">
          Add endpoint
        </SubmitButton>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
