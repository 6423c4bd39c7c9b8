import type { ReactNode } from "react";
import { messageOf } from "../api/client.ts";

export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}

export function LoadingState({ label }: { label: string }) {
  return (
    <div className="state state-loading" role="status">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}

export function ErrorState({ title = "This could not be loaded", error, onRetry }: { title?: string; error: unknown; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p>{messageOf(error)}</p>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

interface ListStatesProps<T> {
  list: { data: T | null; loading: boolean; error: unknown; reload: () => void };
  count: (data: T) => number;
  loadingLabel: string;
  errorTitle: string;
  emptyTitle: string;
  emptyText?: ReactNode;
  /** Lists refreshed in place (polling, a Refresh button) keep what they showed when a refresh fails. */
  keepOnError?: boolean;
  children: (data: T) => ReactNode;
}

/** The loading, error and empty blocks of a loaded list, in that order, then the list itself. */
export function ListStates<T>({ list, count, loadingLabel, errorTitle, emptyTitle, emptyText, keepOnError = false, children }: ListStatesProps<T>) {
  const { data, loading, error, reload } = list;
  const shown = data !== null && (keepOnError || !error) ? data : null;
  const size = shown === null ? 0 : count(shown);
  return (
    <>
      {!data && loading ? <LoadingState label={loadingLabel} /> : null}
      {error && !loading ? <ErrorState title={errorTitle} error={error} onRetry={reload} /> : null}
      {shown !== null && size === 0 ? <EmptyState title={emptyTitle}>{emptyText ? <p>{emptyText}</p> : null}</EmptyState> : null}
      {shown !== null && size > 0 ? children(shown) : null}
    </>
  );
}

/** "26–50 of 120 users", announced when it changes, with a quiet spinner while a new answer is on its way. */
export function ResultCount({ id, updating, children }: { id?: string; updating: boolean; children: ReactNode }) {
  return (
    <p id={id} className="result-count" aria-live="polite" aria-atomic="true">
      {children}
      {updating ? (
        <span className="inline-loading">
          <Spinner /> Updating…
        </span>
      ) : null}
    </p>
  );
}
