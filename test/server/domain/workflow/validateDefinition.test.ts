import assert from "node:assert/strict";
import type { WorkflowDefinition } from "../../../../server/contracts/workflow.js";
import { standardWorkflow } from "../../../../server/domain/workflow/templates.js";
import { validateDefinition, type Problem } from "../../../../server/domain/workflow/validateDefinition.js";

/** A small valid flow: new → done, with a manual cancel. */
function tiny(): WorkflowDefinition {
  return {
    name: "tiny",
    initial: "new",
    states: [
      { code: "new", labels: { "zh-CN": "新建", en: "New" }, category: "payment", terminal: false },
      { code: "done", labels: { "zh-CN": "完成", en: "Done" }, category: "closed", terminal: true },
      { code: "cancelled", labels: { "zh-CN": "取消", en: "Cancelled" }, category: "closed", terminal: true },
    ],
    transitions: [
      { id: "finish", from: "new", to: "done", trigger: "payment.confirmed", roles: [] },
      { id: "cancel", from: "*", to: "cancelled", trigger: "manual", roles: ["customer_service"] },
    ],
    timers: [],
    rules: [],
  };
}

function messages(problems: Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}

describe("validateDefinition", function () {
  it("accepts a small valid flow", function () {
    assert.deepEqual(validateDefinition(tiny()), []);
  });

  it("reports schema errors with their path and stops there", function () {
    const def = { ...tiny(), states: [{ ...tiny().states[0], colour: "red" }, ...tiny().states.slice(1)] };
    const problems = validateDefinition(def);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].path, "states[0]");
    assert.match(problems[0].message, /colour/);
  });

  it("reports a state code that is not snake_case", function () {
    const def = tiny();
    def.states[0] = { ...def.states[0], code: "New Order" };
    assert.match(messages(validateDefinition(def)), /states\[0\]\.code: must be snake_case/);
  });

  it("reports an unknown trigger with the list of valid ones", function () {
    const def = tiny() as unknown as { transitions: { trigger: string }[] };
    def.transitions[0].trigger = "payment.done";
    assert.match(messages(validateDefinition(def)), /transitions\[0\]\.trigger: trigger must be "manual", "auto" or one of: payment\.confirmed/);
  });

  it("reports transitions to and from unknown states", function () {
    const def = tiny();
    def.transitions.push({ id: "ghost", from: "limbo", to: "nowhere", trigger: "auto", roles: [] });
    const text = messages(validateDefinition(def));
    assert.match(text, /transitions\[2\]\.from: transition ghost starts from unknown state "limbo"/);
    assert.match(text, /transitions\[2\]\.to: transition ghost leads to unknown state "nowhere"/);
  });

  it("reports timers on unknown states and timer moves to unknown states", function () {
    const def = tiny();
    def.timers.push({ id: "late", state: "limbo", afterMinutes: 5, anchor: "statusSince", action: { kind: "transition", to: "gone" } });
    const text = messages(validateDefinition(def));
    assert.match(text, /timers\[0\]\.state: timer late watches unknown state "limbo"/);
    assert.match(text, /timers\[0\]\.action\.to: timer late moves orders to unknown state "gone"/);
  });

  it("reports duplicate ids", function () {
    const def = tiny();
    def.transitions.push({ ...def.transitions[0] });
    assert.match(messages(validateDefinition(def)), /transitions\[2\]: duplicate transition id "finish"/);
  });

  it("reports an unknown initial status", function () {
    assert.match(messages(validateDefinition({ ...tiny(), initial: "start" })), /initial: initial status "start" is not one of the states/);
  });

  it("reports states unreachable from the initial status", function () {
    const def = tiny();
    def.states.push({ code: "island", labels: { "zh-CN": "孤岛", en: "Island" }, category: "exception", terminal: true });
    assert.match(messages(validateDefinition(def)), /states\[3\]: state "island" cannot be reached from the initial status "new"/);
  });

  it("lets the sandbox try a definition with unreachable states, but not one that cannot run", function () {
    const def = tiny();
    def.states.push({ code: "island", labels: { "zh-CN": "孤岛", en: "Island" }, category: "exception", terminal: false });
    assert.deepEqual(validateDefinition(def, { forSimulation: true }), []);
    def.transitions.push({ id: "nowhere", from: "new", to: "no_such_state", trigger: "manual", roles: [] });
    assert.match(messages(validateDefinition(def, { forSimulation: true })), /no_such_state/);
  });

  it("reports an open state with no way out", function () {
    const def = tiny();
    def.transitions = def.transitions.filter((t) => t.id !== "cancel");
    def.states.push({ code: "stuck", labels: { "zh-CN": "卡住", en: "Stuck" }, category: "exception", terminal: false });
    def.transitions.push({ id: "get_stuck", from: "new", to: "stuck", trigger: "carrier.problem", roles: [] });
    assert.match(messages(validateDefinition(def)), /state "stuck" is not terminal but no transition or timer leads out of it/);
  });

  it("reports a guard with a syntax error", function () {
    const def = tiny();
    def.transitions[0].guard = "order.totalAmount >";
    assert.match(messages(validateDefinition(def)), /transitions\[0\]\.guard: guard `order\.totalAmount >` is invalid: syntax error/);
  });

  it("reports a guard with a type error or unknown field", function () {
    const def = tiny();
    def.transitions[0].guard = 'order.totalAmount > "500"';
    def.rules.push({ id: "r", on: "*", guard: "order.amount > 1", action: { kind: "alert", level: "red", message: "x" } });
    const text = messages(validateDefinition(def));
    assert.match(text, /transitions\[0\]\.guard: .*type error/);
    assert.match(text, /rules\[0\]\.guard: .*unknown field "amount"/);
  });

  it("reports live orders in a dropped state that has no stateMap entry", function () {
    const def = tiny();
    const problems = validateDefinition(def, { liveStates: { new: 4, paid: 12 }, previous: standardWorkflow });
    assert.match(messages(problems), /12 live orders are in status "paid", which this version drops: add stateMap\.paid/);
  });

  it("accepts a dropped live state once stateMap moves it to a kept state", function () {
    const def = { ...tiny(), stateMap: { paid: "new" } };
    assert.deepEqual(validateDefinition(def, { liveStates: { paid: 12 }, previous: standardWorkflow }), []);
  });

  it("reports a stateMap entry that maps to an unknown state or from a state that still exists", function () {
    const def = { ...tiny(), stateMap: { paid: "reviewed", new: "done" } };
    const text = messages(validateDefinition(def, { liveStates: { paid: 1 } }));
    assert.match(text, /stateMap\.paid: maps "paid" to "reviewed", which is not a state of this version/);
    assert.match(text, /stateMap\.new: "new" is still a state of this version/);
  });

  it("reports a manual transition nobody may take and an auditor in roles", function () {
    const def = tiny();
    def.transitions.push({ id: "nobody", from: "new", to: "done", trigger: "manual", roles: [] });
    def.transitions.push({ id: "auditor", from: "new", to: "done", trigger: "manual", roles: ["auditor"] });
    const text = messages(validateDefinition(def));
    assert.match(text, /manual transition nobody lists no role/);
    assert.match(text, /transition auditor lists auditor, a read-only role/);
  });
});
