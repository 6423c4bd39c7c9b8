import { useEffect, useRef, useState } from "react";

export interface PollingOptions {
  /** Poll while this holds (an email still queued or being retried); stop once it is settled. */
  active: boolean;
  /** A request is on its way: the next wait starts when its answer is in, so polls never pile up. */
  busy: boolean;
  /** Asks again (usually a resource's reload). */
  poll: () => void;
  /** A change starts the back-off again from the first wait (a new email was just sent). */
  restartKey?: string | number;
  firstWaitMs?: number;
  longestWaitMs?: number;
}

const BACK_OFF = 1.6;

/** Whether the page is on screen: a hidden tab asks nothing, and asks at once when shown again. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== "hidden");
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== "hidden");
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);
  return visible;
}

/**
 * Follows something that settles on the server by itself, such as an email's delivery (decision
 * 0051): asks again while `active`, first soon, then less and less often (each wait 1.6 times the
 * last, up to `longestWaitMs`), never while the page is hidden or an answer is awaited.
 */
export function usePolling({ active, busy, poll, restartKey, firstWaitMs = 1_500, longestWaitMs = 30_000 }: PollingOptions): void {
  const visible = usePageVisible();
  const wait = useRef(firstWaitMs);
  const pollRef = useRef(poll);
  pollRef.current = poll;

  useEffect(() => {
    wait.current = firstWaitMs;
  }, [restartKey, active, firstWaitMs]);

  useEffect(() => {
    if (!active || busy || !visible) return;
    const timer = window.setTimeout(() => {
      wait.current = Math.min(wait.current * BACK_OFF, longestWaitMs);
      pollRef.current();
    }, wait.current);
    return () => window.clearTimeout(timer);
  }, [active, busy, visible, restartKey, longestWaitMs]);

  // Back on screen after a while away: ask at once rather than after the longest wait.
  const wasVisible = useRef(visible);
  useEffect(() => {
    if (visible && !wasVisible.current && active) {
      wait.current = firstWaitMs;
      pollRef.current();
    }
    wasVisible.current = visible;
  }, [visible, active, firstWaitMs]);
}
