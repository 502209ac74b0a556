import assert from "node:assert/strict";
import { canonicalJson, digestHeads, hashAuditEntry, verifyChain, type ChainedEntry } from "../../../../server/domain/audit/hashChain.js";

function chain(contents: unknown[]): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let prev: string | null = null;
  for (const entry of contents) {
    const hash = hashAuditEntry(prev, entry);
    out.push({ entry, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const entries = () =>
  chain([
    { orderVersion: 1, field: "status", oldValue: null, newValue: "paid" },
    { orderVersion: 2, field: "status", oldValue: "paid", newValue: "reviewed" },
    { orderVersion: 3, field: "waybillNo", oldValue: null, newValue: "SF1" },
    { orderVersion: 4, field: "status", oldValue: "reviewed", newValue: "in_transit" },
  ]);

describe("canonicalJson", function () {
  it("sorts keys at every depth and leaves out whitespace", function () {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("gives the same text whatever the key insertion order", function () {
    assert.equal(canonicalJson({ x: 1, y: [1, 2] }), canonicalJson({ y: [1, 2], x: 1 }));
  });

  it("keeps array order", function () {
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });

  it("leaves out undefined properties and writes dates as ISO strings", function () {
    assert.equal(canonicalJson({ a: undefined, d: new Date("2026-01-15T00:00:00Z") }), '{"d":"2026-01-15T00:00:00.000Z"}');
  });

  it("rejects non-finite numbers, undefined array items, bigint and cycles", function () {
    assert.throws(() => canonicalJson({ a: Number.NaN }), /value\.a is NaN/);
    assert.throws(() => canonicalJson([Infinity]), /Infinity/);
    assert.throws(() => canonicalJson([undefined]), /undefined/);
    assert.throws(() => canonicalJson({ n: 1n }), /bigint/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.throws(() => canonicalJson(loop), /refers back to itself/);
  });
});

describe("hashAuditEntry", function () {
  it("is a hex sha256 that depends on the previous hash", function () {
    const h = hashAuditEntry(null, { a: 1 });
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.notEqual(hashAuditEntry(h, { a: 1 }), h);
  });
});

describe("verifyChain", function () {
  it("accepts an intact chain and its recorded head", function () {
    const c = entries();
    assert.deepEqual(verifyChain(c, { head: c[3].hash }), { ok: true });
  });

  it("detects an edited entry", function () {
    const c = entries();
    c[1] = { ...c[1], entry: { orderVersion: 2, field: "status", oldValue: "paid", newValue: "cancelled" } };
    const v = verifyChain(c);
    assert.equal(v.ok, false);
    assert.ok(!v.ok && v.index === 1 && /content was edited/.test(v.reason));
  });

  it("detects a deleted entry in the middle", function () {
    const c = entries();
    c.splice(2, 1);
    const v = verifyChain(c);
    assert.ok(!v.ok && v.index === 2 && /deleted/.test(v.reason));
  });

  it("detects a deleted first entry", function () {
    const v = verifyChain(entries().slice(1));
    assert.ok(!v.ok && v.index === 0);
  });

  it("detects a deleted last entry against the recorded head", function () {
    const c = entries();
    const head = c[3].hash;
    const v = verifyChain(c.slice(0, 3), { head });
    assert.ok(!v.ok && v.index === 3 && /missing/.test(v.reason));
  });

  it("detects swapped entries", function () {
    const c = entries();
    [c[1], c[2]] = [c[2], c[1]];
    assert.equal(verifyChain(c).ok, false);
  });

  it("verifies a stretch that starts after a known hash", function () {
    const c = entries();
    assert.deepEqual(verifyChain(c.slice(2), { startHash: c[1].hash }), { ok: true });
  });
});

describe("digestHeads", function () {
  const heads = [
    { orderId: "TM20260115-00002", hash: "b".repeat(64), seq: 4 },
    { orderId: "TM20260115-00001", hash: "a".repeat(64), seq: 2 },
  ];

  it("does not depend on the order the heads are listed in", function () {
    assert.equal(digestHeads(heads), digestHeads([...heads].reverse()));
  });

  it("changes when any head moves", function () {
    assert.notEqual(digestHeads(heads), digestHeads([{ ...heads[0], seq: 5 }, heads[1]]));
    assert.notEqual(digestHeads(heads), digestHeads([{ ...heads[0], hash: "c".repeat(64) }, heads[1]]));
  });

  it("refuses two heads for one order", function () {
    assert.throws(() => digestHeads([heads[0], heads[0]]), /two heads/);
  });
});
