import type { Deps } from "../../deps.ts";
import { checkLink } from "./check-link.ts";
import type { InspectedLink } from "./link-tokens.ts";
import { enforceClientLimit } from "../rate-limit.ts";
import { RESET_LIMITS, resetRateKeys } from "./password-reset/reset-limits.ts";

/**
 * The page behind an emailed link asks what the link is (consuming nothing). Anyone may ask, and
 * each rejected link is an audit row, so asking is limited per client address like submitting:
 * past the limit the answer is 429 and no link is looked up (decision 0026).
 */
export async function inspectLink(deps: Pick<Deps, "db" | "clock">, input: { token: string; clientAddress: string }): Promise<InspectedLink> {
  const now = deps.clock.now();
  const { clientAddress } = input;
  await enforceClientLimit(deps.db, { key: resetRateKeys.inspectClient(clientAddress), rule: RESET_LIMITS.inspectPerClient, clientAddress, flow: "link_inspect" }, now);
  return checkLink(deps.db, { token: input.token, clientAddress: input.clientAddress, step: "open", now });
}
