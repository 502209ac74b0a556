import assert from "node:assert/strict";
import { EDITABLE_COLUMNS } from "../../../server/contracts/edits.js";
import { COL, COLUMNS, COLUMN_COUNT, columnIndex, columnLetter, headerMismatch, headerRow, SYSTEM_COLUMNS } from "../../../addin/core/columns.js";

describe("columns", function () {
  it("has about twenty columns with the hidden key and version first", function () {
    assert.equal(COLUMN_COUNT, 20);
    assert.deepEqual(
      COLUMNS.filter((c) => c.hidden).map((c) => c.id),
      ["key", "version"],
    );
    assert.equal(COL.key, 0);
    assert.equal(COL.version, 1);
  });

  it("makes exactly the contract's editable columns editable", function () {
    const editable = COLUMNS.filter((c) => c.editable).map((c) => c.editable);
    assert.deepEqual(editable.sort(), Object.keys(EDITABLE_COLUMNS).sort());
    assert.ok(SYSTEM_COLUMNS.some((c) => c.id === "amount"));
    assert.ok(!SYSTEM_COLUMNS.some((c) => c.id === "status"));
  });

  it("accepts a header row in either language and points at the first changed column", function () {
    assert.equal(headerMismatch(headerRow("zh-CN")), -1);
    assert.equal(headerMismatch(headerRow("en")), -1);
    const moved = headerRow("zh-CN");
    [moved[3], moved[4]] = [moved[4], moved[3]];
    assert.equal(headerMismatch(moved), 3);
  });

  it("converts column letters both ways", function () {
    for (const [i, l] of [[0, "A"], [19, "T"], [25, "Z"], [26, "AA"], [701, "ZZ"], [702, "AAA"]] as const) {
      assert.equal(columnLetter(i), l);
      assert.equal(columnIndex(l), i);
    }
  });
});
