import assert from "node:assert/strict";
import { InputError } from "../../../../server/domain/errors.js";
import { mapStatus } from "../../../../server/domain/workflow/mapStatus.js";
import { standardWorkflow } from "../../../../server/domain/workflow/templates.js";

describe("mapStatus", function () {
  const next = {
    ...standardWorkflow,
    states: standardWorkflow.states.filter((s) => s.code !== "green_review"),
    transitions: standardWorkflow.transitions.filter((t) => t.from !== "green_review" && t.to !== "green_review"),
    timers: standardWorkflow.timers.filter((t) => t.state !== "green_review"),
    stateMap: { green_review: "manual_review" },
  };

  it("keeps a status the new version still has", function () {
    assert.equal(mapStatus(next, "in_transit"), "in_transit");
  });

  it("moves a dropped status through stateMap", function () {
    assert.equal(mapStatus(next, "green_review"), "manual_review");
  });

  it("throws an InputError for a dropped status with no stateMap entry", function () {
    assert.throws(() => mapStatus(next, "legacy"), (e: unknown) => e instanceof InputError && /no status "legacy"/.test((e as Error).message));
  });

  it("throws an InputError when stateMap points at a status the version lacks", function () {
    const broken = { ...next, stateMap: { green_review: "gone" } };
    assert.throws(() => mapStatus(broken, "green_review"), InputError);
  });
});
