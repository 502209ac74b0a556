import assert from "node:assert/strict";
import type { Role } from "../../../server/contracts/roles.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("personal data masking by role", ({ db }) => {
  let t: TestServer;
  let orderId: string;
  before(async function () {
    t = await startTestServer(db());
    const imported = await t.call("POST", "/api/orders", {
      body: { orders: [sampleOrder(1, { customer: { name: "张三丰", phone: "13812344121", address: "浙江省杭州市西湖区文三路 90 号", id: "C1" } })] },
    });
    assert.equal(imported.status, 200);
    orderId = imported.body.results[0].orderId ?? imported.body.results[0].id;
  });
  after(async () => {
    await t?.close();
  });

  const masked = { name: "张**", phone: "138****4121" }; // the family name stays, one star per hidden character
  const cases: [Role, boolean][] = [
    ["admin", false],
    ["customer_service", false],
    ["warehouse", true],
    ["finance", true],
    ["marketing", true],
    ["auditor", true],
  ];
  for (const [role, expectMasked] of cases) {
    it(`${role}: the list and the detail show the customer ${expectMasked ? "masked" : "in full"}`, async function () {
      const token = role === "admin" ? t.adminToken : await t.token(`u.${role}`, role);
      const list = await t.call("GET", "/api/orders", { token });
      assert.equal(list.status, 200);
      const detail = await t.call("GET", `/api/orders/${encodeURIComponent(orderId)}`, { token });
      assert.equal(detail.status, 200);
      for (const customer of [list.body.orders[0].customer, detail.body.customer]) {
        if (expectMasked) {
          assert.equal(customer.name, masked.name);
          assert.equal(customer.phone, masked.phone);
          assert.ok(!String(customer.address).includes("文三路"), `address masked: ${customer.address}`);
          assert.ok(String(customer.address).startsWith("浙江省杭州市"), `address keeps province and city: ${customer.address}`);
        } else {
          assert.deepEqual([customer.name, customer.phone], ["张三丰", "13812344121"]);
        }
      }
    });
  }

  it("exports masked for a role that may export without personal data, and refuses a role that may not (403 envelope)", async function () {
    const finance = await t.token("u.finance2", "finance");
    const csv = await t.call("GET", "/api/orders/export?format=csv", { token: finance });
    assert.equal(csv.status, 200);
    const text = String(csv.body);
    assert.ok(text.includes("138****4121"));
    assert.ok(!text.includes("13812344121"));
    const warehouse = await t.token("u.warehouse2", "warehouse");
    const refused = await t.call("GET", "/api/orders/export?format=csv", { token: warehouse });
    assert.equal(refused.status, 403);
    assert.equal(typeof refused.body.error.message, "string");
  });
});
