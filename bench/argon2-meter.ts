/**
 * A child process that measures bare argon2id verifications on request, on the cores it is pinned
 * to (argon2-rate.ts `startArgon2Meter`): the denominator of the login ratio, on the server's cores.
 */
import { measureArgon2Rate } from "./argon2-rate.ts";

process.on("message", (seconds: number) => {
  void measureArgon2Rate(seconds).then((rate) => process.send?.(rate));
});
process.send?.("ready");
