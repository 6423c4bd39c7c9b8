import type { FastifyInstance, FastifyRequest } from "fastify";

/**
 * Counts requests whose work may still touch the database. Closing the server waits for
 * connections, not for handlers: a request whose client went away (a load generator stopping, a
 * closed tab) keeps running after its connection closed. Shutdown waits for this count to reach
 * zero before it closes the database, so such a request finishes instead of failing on a closed pool.
 *
 * A request counts from onRequest until its handler settled, an error is being answered, or its
 * response went out — whichever comes first, once.
 */
export class InFlightRequests {
  #open = new WeakSet<FastifyRequest>();
  #count = 0;
  #peak = 0;
  #idle: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  start(request: FastifyRequest): void {
    if (this.#open.has(request)) return;
    this.#open.add(request);
    if (++this.#count > this.#peak) this.#peak = this.#count;
  }

  /** The most requests in flight at once since the last call (the background pacer's reading, decision 0052). */
  takePeak(): number {
    const peak = Math.max(this.#peak, this.#count);
    this.#peak = this.#count;
    return peak;
  }

  end(request: FastifyRequest): void {
    if (!this.#open.delete(request)) return;
    this.#count--;
    if (this.#count === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** Installs the hooks; call before any route is added. */
export function trackInFlight(app: FastifyInstance, inFlight: InFlightRequests): void {
  // Callback hooks: every request runs them, and an async hook costs a promise and a microtask each.
  app.addHook("onRequest", (request, _reply, done) => {
    inFlight.start(request);
    done();
  });
  app.addHook("onError", (request, _reply, _error, done) => {
    inFlight.end(request);
    done();
  });
  app.addHook("onResponse", (request, _reply, done) => {
    inFlight.end(request);
    done();
  });
  app.addHook("onRoute", (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request, reply) {
      const result: unknown = handler.call(this, request, reply);
      if (result instanceof Promise) return result.finally(() => inFlight.end(request));
      inFlight.end(request);
      return result;
    };
  });
}
