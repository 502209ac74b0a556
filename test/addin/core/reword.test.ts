import assert from "node:assert/strict";
import { rewordSync } from "../../../addin/core/reword.js";
import { t } from "../../../addin/core/i18n.js";
import { formatRefusal } from "../../../server/contracts/refusals.js";
import { testStatuses } from "../fixtures.js";

describe("rewordSync", function () {
  it("re-words the Sync cells already written when the language switches", function () {
    assert.equal(rewordSync("已保存", "zh-CN", "en", testStatuses), "Saved");
    assert.equal(rewordSync("待同步", "zh-CN", "en", testStatuses), "Pending");
    const conflict = t("zh-CN", "sync.conflictBy", { who: "admin", theirs: "主管改的" });
    assert.equal(rewordSync(conflict, "zh-CN", "en", testStatuses), 'Conflict: admin changed it first to "主管改的"');
    const refused = t("zh-CN", "sync.refused", { reason: formatRefusal("no_transition", { from: { "zh-CN": "已支付", en: "Paid" }, to: { "zh-CN": "已发货", en: "Shipped" } }, "zh-CN")! }) + t("zh-CN", "sync.allowed", { list: "已审单、已取消" });
    assert.equal(rewordSync(refused, "zh-CN", "en", testStatuses), "Refused: no transition leads from Paid to Shipped (allowed: Reviewed, Cancelled)");
    const role = t("zh-CN", "sync.refused", { reason: t("zh-CN", "refuse.role", { role: "客服专员", column: "地区", columns: "状态、备注" }) });
    assert.equal(rewordSync(role, "zh-CN", "en", testStatuses), 'Refused: Your role (customer service) may not change "Region"; you may change: Status, Remark');
    assert.equal(rewordSync("我自己写的", "zh-CN", "en", testStatuses), "我自己写的", "text it does not know stays");
  });
});
