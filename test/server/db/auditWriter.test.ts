import assert from "node:assert/strict";
import { hashAuditEntry } from "../../../server/domain/audit/hashChain.js";
import { entryHash, hashedContent, type AuditEntryInput } from "../../../server/db/auditWriter.js";

const base: AuditEntryInput = {
  orderId: "TM20260115-00892",
  orderVersion: 3,
  at: "2026-01-15T02:00:00.000Z",
  actor: "li.li",
  source: "sheet:li.li",
  action: "transition:paid>reviewed",
  field: "status",
  oldValue: "paid",
  newValue: "reviewed",
};

describe("entryHash", function () {
  it("hashes exactly like the general canonical encoder for every value shape", function () {
    const variants: [string | null, AuditEntryInput][] = [
      [null, base],
      ["ab".repeat(32), base],
      [null, { ...base, field: null, oldValue: null, newValue: null }],
      [null, { ...base, oldValue: undefined, newValue: { b: [1, { z: "\"引号\"", a: true }], a: null } }],
      [null, { ...base, actor: "客服\u2028\n\\", oldValue: 1999, newValue: ["618", "双11"] }],
      [null, { ...base, field: undefined as unknown as null }],
      [null, { ...base, orderVersion: Number.NaN }],
    ];
    for (const [prev, e] of variants) {
      let general: string | Error;
      try {
        general = hashAuditEntry(prev, hashedContent("default", e));
      } catch (err) {
        general = err as Error;
      }
      if (general instanceof Error) assert.throws(() => entryHash(prev, "default", e));
      else assert.equal(entryHash(prev, "default", e), general);
    }
  });
});
