import { describe, expect, it } from "vitest";
import { settleBatch } from "../../src/jobs/settle-batch.ts";

describe("settleBatch", () => {
  it("runs at most `concurrency` jobs at a time and reports every job, failures included", async () => {
    const jobs = Array.from({ length: 7 }, (_, i) => ({ id: `job-${i}` }));
    let running = 0;
    let most = 0;
    const results = await settleBatch(jobs, 3, async (job) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      if (job.id === "job-4") throw new Error("SMTP said 451");
    });
    expect(most).toBe(3);
    expect(results).toHaveLength(7);
    const byId = new Map(results.map((result) => [result.id, result]));
    for (const job of jobs) expect(byId.get(job.id)?.status).toBe(job.id === "job-4" ? "failed" : "completed");
    expect(byId.get("job-4")?.output).toEqual({ message: "SMTP said 451" });
  });

  it("keeps only a failure's first line: no statement parameters (an address, a link) in the job row", async () => {
    const [result] = await settleBatch([{ id: "leaky" }], 1, async () => {
      throw new Error("Failed query: insert into emails (to_address, html) values ($1, $2)\nparams: someone@example.test,<a href=\"https://x/#token=secret\">");
    });
    expect(result?.output).toEqual({ message: "Failed query: insert into emails (to_address, html) values ($1, $2)" });
  });

  it("handles an empty batch and one smaller than the bound", async () => {
    expect(await settleBatch([], 5, async () => {})).toEqual([]);
    expect(await settleBatch([{ id: "only" }], 5, async () => {})).toEqual([{ id: "only", status: "completed" }]);
  });
});
