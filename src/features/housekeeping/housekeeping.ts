import type { Deps } from "../../deps.ts";
import { pruneExpired } from "./prune-expired.ts";

export interface Housekeeping {
  stop(): Promise<void>;
}

/**
 * Prunes expired rows every `intervalMs` (an hour by default), first a few minutes after start so
 * instances started together spread out. Each instance runs it; the deletes skip rows another
 * instance holds. A failed pass (PostgreSQL down) is logged and tried again at the next one.
 */
export function startHousekeeping(deps: Pick<Deps, "db" | "clock" | "logger">, intervalMs = 3_600_000): Housekeeping {
  const logger = deps.logger.child({ component: "housekeeping" });
  let running: Promise<void> | null = null;
  const pass = () => {
    if (running) return;
    running = pruneExpired(deps)
      .then((pruned) => {
        if (Object.values(pruned).some((n) => n > 0)) logger.info(pruned, "pruned expired rows");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "pruning expired rows failed; will try at the next pass"))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(pass, Math.min(intervalMs, 60_000 + Math.random() * 240_000));
  const every = setInterval(pass, intervalMs);
  first.unref();
  every.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
