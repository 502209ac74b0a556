import assert from "node:assert/strict";
import {
  fenToDecimal, parseCarrier, parseChannel, parseDateTime, parseIdentifier, parseMoney, parsePhone, parseQuantity, wallClockToInstant,
} from "../../../../server/domain/legacy/cellValues.js";

const value = <T>(r: { ok: true; value: T } | { ok: false; code: string }) => (r.ok ? r.value : `!${r.code}`);

describe("legacy cell values", () => {
  it("reads money as integer fen, whatever people type", () => {
    const cases: [unknown, number | string][] = [
      ["¥1,234.00", 123400], ["1234元", 123400], ["￥1234", 123400], ["1234.5", 123450], [1234.5, 123450], ["RMB 88", 8800], ["88 CNY", 8800],
      ["１２３４．５", 123450], ["1.2万", 1200000], ["0.01", 1], [19.990000000000002, 1999], ["12块", 1200], ["100元整", 10000],
      ["1,23", "!money_invalid"], ["待定", "!money_invalid"], ["-5", "!money_negative"], ["1.234", "!money_too_precise"], [null, "!money_missing"], ["", "!money_missing"],
    ];
    for (const [input, expected] of cases) assert.equal(value(parseMoney(input as never)), expected, `money ${JSON.stringify(input)}`);
    assert.equal(fenToDecimal(123450), "1234.50");
    assert.equal(fenToDecimal(5), "0.05");
  });

  it("reads dates as Asia/Shanghai wall-clock, the year from context when missing", () => {
    const ctx = { timeZone: "Asia/Shanghai", defaultYear: 2026, now: new Date("2026-01-20T00:00:00Z") };
    const cases: [unknown, string][] = [
      ["2026/1/5 14:30", "2026-01-05T06:30:00.000Z"],
      ["2026-01-05 13:41", "2026-01-05T05:41:00.000Z"],
      ["1月5日 19:16", "2026-01-05T11:16:00.000Z"],
      ["2026年1月5日", "2026-01-04T16:00:00.000Z"],
      ["2026.1.5 下午3:05", "2026-01-05T07:05:00.000Z"],
      ["20260105", "2026-01-04T16:00:00.000Z"],
      [46027.5, "2026-01-05T04:00:00.000Z"],
      [new Date(Date.UTC(2026, 0, 5, 14, 30)), "2026-01-05T06:30:00.000Z"],
      ["2026-01-05T13:41:00+08:00", "2026-01-05T05:41:00.000Z"],
      // A yearless date after the import is last year's (a sheet kept in January still lists December).
      ["12月30日 10:00", "2025-12-30T02:00:00.000Z"],
    ];
    for (const [input, expected] of cases) {
      const r = parseDateTime(input as never, ctx);
      assert.equal(r.ok ? r.value.toISOString() : `!${r.code}`, expected, `date ${String(input)}`);
    }
    assert.equal(value(parseDateTime("2026/2/30", ctx) as never), "!date_invalid");
    assert.equal(value(parseDateTime("明天", ctx) as never), "!date_invalid");
    const ny = parseDateTime("2026-07-01 12:00", { ...ctx, timeZone: "America/New_York" });
    assert.equal(ny.ok && ny.value.toISOString(), "2026-07-01T16:00:00.000Z", "the workspace's zone, daylight saving included");
    assert.equal(wallClockToInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, "America/New_York").toISOString(), "2026-03-08T07:30:00.000Z");
  });

  it("reads phones with +86, spaces, dashes and brackets; landlines keep their area code", () => {
    const cases: [unknown, string][] = [
      ["+86 138 1234 5678", "13812345678"], ["138-1234-5678", "13812345678"], [13812345678, "13812345678"], ["0086-13812345678", "13812345678"],
      ["(+86) 138 1234 5678", "13812345678"], ["8613812345678", "13812345678"], ["０５７１－８８８８６６６６", "0571-88886666"], ["010 12345678转123", "010-12345678-123"],
      ["12345", "!phone_invalid"], ["无", "!phone_invalid"],
    ];
    for (const [input, expected] of cases) assert.equal(value(parsePhone(input as never)), expected, `phone ${String(input)}`);
  });

  it("reads quantities, platforms, carriers and identifiers", () => {
    for (const [input, expected] of [["3件", 3], [2, 2], ["x2", 2], ["两件", 2], ["十二个", 12], ["3 pcs", 3], ["0", "!quantity_invalid"], ["1.5", "!quantity_invalid"]] as const) {
      assert.equal(value(parseQuantity(input)), expected, `quantity ${input}`);
    }
    for (const [input, expected] of [["天猫", "tmall"], ["tmall", "tmall"], ["TM", "tmall"], ["抖音小店", "douyin"], ["拼多多", "pinduoduo"], ["小程序", "wechat"], ["天猫-主店", "tmall"], ["闲鱼", "!channel_unknown"]] as const) {
      assert.equal(value(parseChannel(input)), expected, `platform ${input}`);
    }
    for (const [input, expected] of [["顺丰", "SF"], ["SF", "SF"], ["顺丰速运", "SF"], ["中通快递", "ZTO"], ["极兔", "JTSD"], ["跨越", "!carrier_unknown"]] as const) {
      assert.equal(value(parseCarrier(input)), expected, `carrier ${input}`);
    }
    assert.equal(value(parseIdentifier(" '3301928374650001\t")), "3301928374650001");
    assert.equal(value(parseIdentifier(3.30192837465e18)), "!id_precision_lost");
    assert.equal(value(parseIdentifier("3.30193E+18")), "!id_precision_lost");
  });
});
