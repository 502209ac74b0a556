import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import type { Role } from "../../../server/contracts/roles.js";
import { appendChanges } from "../../../server/db/KnexChangeFeed.js";
import { EXPORT_COLUMNS } from "../../../server/domain/orders/exportTable.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { hasLibreOffice, libreOfficeCsv } from "../../helpers/libreoffice.js";
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

  /** The personal data of the order imported above, as it must never leak unmasked. */
  const PII = ["张三丰", "13812344121", "文三路"];
  const tokens = new Map<string, string>();
  async function tokenOf(role: Role, user = `feed.${role}`): Promise<string> {
    if (role === "admin") return t.adminToken;
    if (!tokens.has(user)) tokens.set(user, await t.token(user, role));
    return tokens.get(user)!;
  }
  /** The unmasked-read entries of the sensitive-operation log written by `actor`, newest first. */
  async function unmaskedReads(actor: string): Promise<any[]> {
    const res = await t.call("GET", `/api/access/log?action=pii.unmasked_read&actor=${encodeURIComponent(actor)}&limit=500`, { token: await tokenOf("auditor", "log.reader") });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.entries;
  }

  it("the change feed carries no customer name, phone or address for any role, and the orders it names come back masked per role (as the add-in fetches them)", async function () {
    const before = (await t.call("GET", `/api/orders/${encodeURIComponent(orderId)}`)).body;
    const edit = await t.call("POST", "/api/edits", {
      body: { edits: [{ clientEditId: "mask-feed-1", orderId, column: "remark", baseVersion: before.version, value: "周末送货" }] },
    });
    assert.equal(edit.body.results[0].outcome, "saved", JSON.stringify(edit.body));
    for (const [role, expectMasked] of cases) {
      const token = await tokenOf(role);
      const feed = await t.call("GET", "/api/changes?since=0&limit=5000", { token });
      assert.equal(feed.status, 200);
      const kinds = new Set(feed.body.changes.map((c: any) => c.kind));
      assert.ok(kinds.has("order.created") && kinds.has("order.updated"), `${role}: feed has the import and the edit`);
      const text = JSON.stringify(feed.body);
      for (const pii of PII) assert.ok(!text.includes(pii), `${role}: the feed holds no ${pii}`);
      // The add-in refreshes the rows the feed names through the list, by ID.
      const ids = [...new Set(feed.body.changes.map((c: any) => c.orderId).filter(Boolean))].join(",");
      const rows = await t.call("GET", `/api/orders?ids=${ids}`, { token });
      assert.equal(rows.status, 200);
      const customer = rows.body.orders.find((o: any) => o.id === orderId).customer;
      if (expectMasked) assert.deepEqual([customer.name, customer.phone], [masked.name, masked.phone], role);
      else assert.deepEqual([customer.name, customer.phone], ["张三丰", "13812344121"], role);
    }
  });

  it("a feed entry that does carry a customer is masked for a masking role, and shown and logged for an unmasked one", async function () {
    const head = (await t.call("GET", "/api/changes/head")).body.cursor;
    const knex = t.server.db.knex;
    await knex.transaction((trx) =>
      appendChanges(trx, "default", [{ kind: "order.updated", orderId, orderVersion: 99, data: { customer: { name: "张三丰", phone: "13812344121", address: "浙江省杭州市西湖区文三路 90 号", id: "C1" } } }], new Date()),
    );
    const warehouse = await t.call("GET", `/api/changes?since=${head}`, { token: await tokenOf("warehouse") });
    assert.equal(warehouse.status, 200);
    assert.equal(warehouse.body.changes.length, 1);
    assert.deepEqual([warehouse.body.changes[0].data.customer.name, warehouse.body.changes[0].data.customer.phone], [masked.name, masked.phone]);
    for (const pii of PII) assert.ok(!JSON.stringify(warehouse.body).includes(pii), `warehouse: no ${pii}`);
    assert.deepEqual(await unmaskedReads("feed.warehouse"), []);

    const cs = await t.call("GET", `/api/changes?since=${head}`, { token: await tokenOf("customer_service") });
    assert.equal(cs.body.changes[0].data.customer.phone, "13812344121");
    const logged = (await unmaskedReads("feed.customer_service")).filter((e) => e.target === "GET /api/changes");
    assert.equal(logged.length, 1);
    assert.deepEqual(logged[0].detail.orderIds, [orderId]);
  });

  it("each unmasked list or detail read is logged once per request with the orders read; a masked role's reads are not logged", async function () {
    for (const role of ["admin", "customer_service"] as const) {
      const user = role === "admin" ? "admin" : "reader.cs";
      const token = await tokenOf(role, user);
      const before = (await unmaskedReads(user)).length;
      const ua = `masking-test/${role}`;
      for (const path of ["/api/orders", "/api/orders?limit=5", `/api/orders/${encodeURIComponent(orderId)}`]) {
        assert.equal((await t.call("GET", path, { token, headers: { "user-agent": ua } })).status, 200);
      }
      const entries = await unmaskedReads(user);
      assert.equal(entries.length - before, 3, `${role}: one entry per request`);
      const mine = entries.slice(0, 3);
      assert.deepEqual(mine.map((e) => e.target), ["GET /api/orders/:id", "GET /api/orders", "GET /api/orders"]);
      for (const e of mine) {
        assert.ok(e.detail.orderIds.includes(orderId));
        assert.equal(e.userAgent, ua);
        assert.ok(e.ip);
        for (const pii of PII) assert.ok(!JSON.stringify(e).includes(pii), "the log holds no personal data");
      }
    }
    for (const role of ["warehouse", "finance", "auditor"] as const) {
      const user = `reader.${role}`;
      const token = await tokenOf(role, user);
      assert.equal((await t.call("GET", "/api/orders", { token })).status, 200);
      assert.equal((await t.call("GET", `/api/orders/${encodeURIComponent(orderId)}`, { token })).status, 200);
      assert.deepEqual(await unmaskedReads(user), [], `${role}: nothing logged`);
    }
  });

  it("a policy change takes effect on the next request and is logged", async function () {
    const original = (await t.call("GET", "/api/access/policy")).body.policy;
    const warehouse = await tokenOf("warehouse", "policy.wh");
    const cs = await tokenOf("customer_service", "policy.cs");
    const phoneSeenBy = async (token: string) => (await t.call("GET", `/api/orders/${encodeURIComponent(orderId)}`, { token })).body.customer.phone;
    assert.equal(await phoneSeenBy(warehouse), masked.phone);
    assert.equal(await phoneSeenBy(cs), "13812344121");
    const changed = structuredClone(original);
    changed.roles.warehouse.unmaskedPii = true;
    changed.roles.customer_service.unmaskedPii = false;
    try {
      const put = await t.call("PUT", "/api/access/policy", { body: changed, headers: { "user-agent": "masking-test/policy" } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(await phoneSeenBy(warehouse), "13812344121", "warehouse sees the phone at once");
      assert.equal(await phoneSeenBy(cs), masked.phone, "customer service sees it masked at once");
      assert.equal((await unmaskedReads("policy.wh")).length, 1, "the warehouse read is now logged");
      assert.equal((await unmaskedReads("policy.cs")).length, 1, "only the read before the change is logged for customer service");
      const log = await t.call("GET", "/api/access/log?action=access.policy_change", { token: await tokenOf("auditor", "log.reader") });
      const entry = log.body.entries.find((e: any) => e.userAgent === "masking-test/policy");
      assert.ok(entry, JSON.stringify(log.body));
      assert.equal(entry.actor, "admin");
      assert.deepEqual(Object.keys(entry.detail.changed).sort(), ["customer_service", "warehouse"]);
      assert.equal(entry.detail.changed.warehouse.to.unmaskedPii, true);
    } finally {
      assert.equal((await t.call("PUT", "/api/access/policy", { body: original })).status, 200);
    }
    assert.equal(await phoneSeenBy(warehouse), masked.phone, "and back on the next request after the restore");
  });

  /** The xlsx export of `token`'s role, as bytes. */
  async function xlsxExport(token: string, query = ""): Promise<Buffer> {
    const res = await fetch(`${t.url}/api/orders/export?format=xlsx${query}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get("content-type") ?? "", /spreadsheetml/);
    return Buffer.from(await res.arrayBuffer());
  }
  const LONG_DIGITS = "202601150000123456789";
  const colOf = (id: string) => EXPORT_COLUMNS.findIndex((c) => c.id === id) + 1;

  it("the xlsx export has typed cells: amounts numbers, times dates, long digit strings text, personal data masked for a masking role", async function () {
    const imported = await t.call("POST", "/api/orders", {
      body: { orders: [sampleOrder(2, { externalOrderId: LONG_DIGITS, totalAmount: "1234.50", customer: { name: "李四", phone: "13998765432", address: "广东省广州市天河区体育西路 1 号", id: "C2" } })] },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    for (const [role, expectMasked] of [["admin", false], ["finance", true]] as const) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await xlsxExport(await tokenOf(role, `xlsx.${role}`))) as never);
      const ws = wb.worksheets[0];
      assert.equal(ws.name, "订单");
      assert.equal(ws.getRow(1).getCell(colOf("externalOrderId")).value, "平台单号");
      const rows = ws.getRows(2, ws.rowCount - 1) ?? [];
      const row = rows.find((r) => r.getCell(colOf("externalOrderId")).value === LONG_DIGITS);
      assert.ok(row, `${role}: the long digit string is a text cell holding all its digits`);
      assert.equal(row.getCell(colOf("externalOrderId")).type, ExcelJS.ValueType.String);
      assert.equal(row.getCell(colOf("externalOrderId")).numFmt, "@");
      const amount = row.getCell(colOf("totalAmount"));
      assert.equal(amount.type, ExcelJS.ValueType.Number);
      assert.equal(amount.value, 1234.5);
      assert.equal(amount.numFmt, "0.00");
      const placed = row.getCell(colOf("placedAt"));
      assert.equal(placed.type, ExcelJS.ValueType.Date);
      // 2026-01-15T02:00:00Z is 10:00 in Asia/Shanghai, the workspace zone the cell shows.
      assert.equal((placed.value as Date).toISOString(), "2026-01-15T10:00:00.000Z");
      assert.match(String(placed.numFmt), /yyyy-mm-dd hh:mm/);
      const phone = row.getCell(colOf("customerPhone"));
      assert.equal(phone.type, ExcelJS.ValueType.String);
      if (expectMasked) {
        assert.deepEqual([row.getCell(colOf("customerName")).value, phone.value], ["李*", "139****5432"]);
        assert.ok(!String(row.getCell(colOf("customerAddress")).value).includes("体育西路"));
      } else {
        assert.deepEqual([row.getCell(colOf("customerName")).value, phone.value], ["李四", "13998765432"]);
      }
    }
  });

  it("the xlsx export opens in LibreOffice with its text, numbers and dates intact (CSV round trip), masked for a masking role", async function () {
    if (!(await hasLibreOffice())) this.skip();
    this.timeout(240_000);
    for (const [role, expectMasked] of [["admin", false], ["finance", true]] as const) {
      const csv = await libreOfficeCsv(await xlsxExport(await tokenOf(role, `xlsx.${role}`)));
      const lines = csv.split(/\r?\n/).filter(Boolean);
      assert.ok(lines[0].startsWith('"订单号","渠道","平台单号"'), `${role}: header row ${lines[0]}`);
      const line = lines.find((l) => l.includes(LONG_DIGITS));
      assert.ok(line, `${role}: a row with ${LONG_DIGITS} in ${csv}`);
      const cells = line.split(",");
      // Text cells come back quoted (all digits kept), numbers and dates unquoted, as formatted.
      assert.equal(cells[colOf("externalOrderId") - 1], `"${LONG_DIGITS}"`);
      assert.equal(cells[colOf("totalAmount") - 1], "1234.50");
      assert.equal(cells[colOf("placedAt") - 1], "2026-01-15 10:00:00");
      assert.equal(cells[colOf("customerPhone") - 1], expectMasked ? '"139****5432"' : '"13998765432"');
      if (expectMasked) for (const pii of ["李四", "13998765432", "体育西路", ...PII]) assert.ok(!csv.includes(pii), `${role}: no ${pii}`);
    }
  });
});
