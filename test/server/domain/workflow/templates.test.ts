import assert from "node:assert/strict";
import { WorkflowDefinition } from "../../../../server/contracts/workflow.js";
import { furnitureWorkflow, standardWorkflow, WORKFLOW_TEMPLATES } from "../../../../server/domain/workflow/templates.js";
import { validateDefinition } from "../../../../server/domain/workflow/validateDefinition.js";

describe("workflow templates", function () {
  for (const [name, flow] of Object.entries(WORKFLOW_TEMPLATES)) {
    it(`${name} validates with no problems`, function () {
      assert.deepEqual(validateDefinition(flow), []);
    });

    it(`${name} survives a JSON round trip through the schema unchanged`, function () {
      assert.deepEqual(WorkflowDefinition.parse(JSON.parse(JSON.stringify(flow))), flow);
    });
  }

  it("standard has at least 12 states including the in-between shipping states the seeds name", function () {
    assert.ok(standardWorkflow.states.length >= 12);
    const zh = standardWorkflow.states.map((s) => s.labels["zh-CN"]);
    for (const label of ["已打单未出库", "已出库无物流单号", "单号已上传未揽收", "在途", "已取消", "已退款", "人工审单"]) {
      assert.ok(zh.includes(label), `missing ${label}`);
    }
  });

  it("furniture has exactly the 17 states of the seed, in the seed's order", function () {
    assert.deepEqual(
      furnitureWorkflow.states.map((s) => s.labels["zh-CN"]),
      [
        "支付成功", "风控审核通过", "定制参数确认", "工厂排产启动", "板材出库", "五金包装配", "整机打包完成", "快递揽收",
        "干线运输中", "派件网点到达", "快递员取件", "客户签收", "开箱验货反馈", "安装服务预约", "安装完成确认",
        "7天无理由期结束", "财务结算完成",
      ],
    );
    assert.deepEqual(furnitureWorkflow.states.filter((s) => s.terminal).map((s) => s.code), ["settled"]);
  });
});
