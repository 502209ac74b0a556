import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROLE_LABELS } from "../../../server/contracts/access.js";
import { REFUSAL_TEXTS, formatRefusal, isRefusalCode, refusalMessages } from "../../../server/contracts/refusals.js";
import { Role } from "../../../server/contracts/roles.js";
import { WorkflowDefinition, type WorkflowDefinition as Flow } from "../../../server/contracts/workflow.js";
import { WORKFLOW_TEMPLATES } from "../../../server/domain/workflow/templates.js";

const CJK = /[\u4e00-\u9fff]/;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Server source files, for the codes they hand out. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

describe("every user-visible word of the server exists in zh-CN and English (issue 11)", function () {
  it("catalogues each refusal in both languages with the same parameters", function () {
    for (const [code, text] of Object.entries(REFUSAL_TEXTS)) {
      assert.match(text["zh-CN"], CJK, `${code}: the zh-CN form is Chinese`);
      assert.ok(text.en.trim() && !CJK.test(text.en), `${code}: the English form is English`);
      assert.deepEqual(placeholders(text["zh-CN"]), placeholders(text.en), `${code}: both forms take the same parameters`);
    }
  });

  it("catalogues every refusal code the server hands out", function () {
    const root = path.resolve("server");
    const used = new Set<string>();
    for (const file of sourceFiles(root)) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/coded\(\s*"([a-z_]+)"/g)) used.add(m[1]);
      for (const m of text.matchAll(/withRefusal\(\s*"([a-z_]+)"/g)) used.add(m[1]);
      for (const m of text.matchAll(/refused\(\w+, \w+, [^;]*?, "([a-z_]+)", /g)) used.add(m[1]);
      for (const m of text.matchAll(/code: "((?:field|unknown|outside)_[a-z_]+|stale_version)"/g)) used.add(m[1]);
    }
    assert.ok(used.size >= 20, `expected to find the codes in the source, found ${[...used].join(", ")}`);
    const missing = [...used].filter((c) => !isRefusalCode(c));
    assert.deepEqual(missing, []);
  });

  it("words parameters in the asked language: localized names, lists, and never a bare placeholder", function () {
    const params = { role: ROLE_LABELS.warehouse, from: { "zh-CN": "待支付", en: "Awaiting payment" }, to: { "zh-CN": "已取消", en: "Cancelled" }, roles: [ROLE_LABELS.customer_service, ROLE_LABELS.supervisor] };
    assert.equal(formatRefusal("role_not_allowed", params, "zh-CN"), "你的角色（仓储主管）不能把订单从「待支付」改为「已取消」：只有客服专员、主管可以");
    assert.equal(formatRefusal("role_not_allowed", params, "en"), "role warehouse may not move orders from Awaiting payment to Cancelled: only customer service, supervisor may");
    assert.equal(formatRefusal("no_transition", {}, "en"), "no transition leads from ? to ?");
    assert.equal(formatRefusal("no_such_code", {}, "en"), null);
    assert.equal(refusalMessages("no_such_code"), null);
  });

  it("labels every role in both languages", function () {
    for (const role of Role.options) {
      assert.match(ROLE_LABELS[role]["zh-CN"], CJK, role);
      assert.ok(ROLE_LABELS[role].en && !CJK.test(ROLE_LABELS[role].en), role);
    }
  });

  for (const [name, flow] of Object.entries(WORKFLOW_TEMPLATES) as [string, Flow][]) {
    it(`the ${name} workflow says every alert, task and breaker text in both languages, and every guarded hand move's unmet condition`, function () {
      const actions = [...flow.timers.map((t) => [t.id, t.action] as const), ...flow.rules.map((r) => [r.id, r.action] as const)];
      for (const [id, action] of actions) {
        if (action.kind === "transition") continue;
        const message = (action as { message?: unknown }).message;
        if (message === undefined) continue; // worded by the server in both (timerMessages)
        assert.ok(typeof message === "object" && message !== null, `${id}: message is { "zh-CN", en }`);
        const m = message as { "zh-CN": string; en: string };
        assert.match(m["zh-CN"], CJK, `${id}: zh-CN is Chinese`);
        assert.ok(m.en && m.en !== m["zh-CN"], `${id}: English differs`);
      }
      for (const t of flow.transitions) {
        if (t.guard && (t.roles.length > 0 || t.trigger !== "auto")) {
          if (t.trigger !== "manual" && t.roles.length === 0) continue;
          assert.ok(t.unmet, `${t.id}: a hand move with a guard says what it needs`);
          assert.match(t.unmet!["zh-CN"], CJK, t.id);
        }
      }
      for (const s of flow.states) assert.ok(s.labels["zh-CN"] && s.labels.en, s.code);
      assert.doesNotThrow(() => WorkflowDefinition.parse(flow));
    });
  }
});
