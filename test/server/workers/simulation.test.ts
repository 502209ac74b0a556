import assert from "node:assert/strict";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { limitConcurrency, simulateInWorkers, simulateShard, syntheticSource } from "../../../server/workers/simulation.js";

describe("simulation workers", function () {
  this.timeout(60_000);

  it("gives in worker threads the report one thread gives", async function () {
    const stream = { orders: 600, seed: 11, profile: "standard" as const };
    const here = await simulateShard(standardWorkflow, syntheticSource(stream), { index: 0, count: 1 });
    assert.deepEqual(await simulateInWorkers(standardWorkflow, stream, 1), here);
    assert.deepEqual(await simulateInWorkers(standardWorkflow, stream, 2), here, "two shards merge to the same report");
  });

  it("runs at most `limit` jobs at once, the rest in arrival order", async function () {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const job = limitConcurrency(2, async (n: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      order.push(n);
      return n * 10;
    });
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map((n) => job(n))), [10, 20, 30, 40, 50]);
    assert.equal(most, 2);
    assert.deepEqual(order.slice(2), [3, 4, 5]);
  });
});
