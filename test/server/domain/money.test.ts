import assert from "node:assert/strict";
import { formatMinorUnits, toMinorUnits } from "../../../server/domain/money.js";

describe("money", function () {
  it("converts decimal strings and numbers to exact minor units", function () {
    assert.equal(toMinorUnits("19.99", "CNY"), 1999);
    assert.equal(toMinorUnits(19.99, "CNY"), 1999);
    assert.equal(toMinorUnits(0.1 + 0.2 > 0.3 ? "0.30" : "0", "CNY"), 30);
    assert.equal(toMinorUnits("1,299.5", "CNY"), 129950);
    assert.equal(toMinorUnits("7", "CNY"), 700);
    assert.equal(toMinorUnits("1500", "JPY"), 1500);
  });

  it("keeps sums exact where floats drift", function () {
    const lines = ["0.10", "0.20", "19.99", "33.33"];
    const total = lines.reduce((sum, v) => sum + toMinorUnits(v, "CNY"), 0);
    assert.equal(total, 5362);
    assert.equal(formatMinorUnits(total, "CNY"), "53.62");
  });

  it("refuses more decimals than the currency has, exponents and junk", function () {
    assert.throws(() => toMinorUnits("19.999", "CNY"), /more than 2 decimal/);
    assert.throws(() => toMinorUnits("10.5", "JPY"), /more than 0 decimal/);
    assert.throws(() => toMinorUnits(1e21, "CNY"), /not a decimal/);
    assert.throws(() => toMinorUnits("abc", "CNY"), /not a decimal/);
    assert.throws(() => toMinorUnits(Number.NaN, "CNY"), /finite/);
  });

  it("accepts trailing zeros beyond the minor unit", function () {
    assert.equal(toMinorUnits("19.9900", "CNY"), 1999);
  });

  it("formats minor units back to decimal strings", function () {
    assert.equal(formatMinorUnits(1999, "CNY"), "19.99");
    assert.equal(formatMinorUnits(5, "CNY"), "0.05");
    assert.equal(formatMinorUnits(-1050, "USD"), "-10.50");
    assert.equal(formatMinorUnits(1500, "JPY"), "1500");
  });
});
