import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prepareHashing, verifyPassword, hashPassword } from "../../src/features/auth/passwords.ts";

/** nice value of each libuv pool thread of this process (field 19 of /proc/<tid>/stat). */
function poolThreadNiceness(): number[] {
  return readdirSync("/proc/self/task").flatMap((task) => {
    if (readFileSync(`/proc/self/task/${task}/comm`, "utf8").trim() !== "libuv-worker") return [];
    const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
    return [Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])];
  });
}

describe.runIf(process.platform === "linux")("hashing threads", () => {
  it("run below the event loop's priority once hashing is prepared, and still hash", async () => {
    await prepareHashing(undefined);
    const niceness = poolThreadNiceness();
    expect(niceness.length).toBeGreaterThan(0);
    expect(niceness.every((n) => n === 10)).toBe(true);
    const hash = await hashPassword("a passphrase long enough to pass");
    expect(await verifyPassword(hash, "a passphrase long enough to pass")).toBe(true);
  });
});
