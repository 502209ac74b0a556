import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { COLUMNS } from "../../../addin/core/columns.js";
import { alertLevelLabel, channelLabel, LANGS, t, type MessageKey } from "../../../addin/core/i18n.js";
import { defaultSheetName, SHEET_ROLES } from "../../../addin/excel/sheetMarkers.js";
import { ROLE_LABELS } from "../../../server/contracts/access.js";
import { ChannelName } from "../../../server/contracts/orders.js";
import { REFUSAL_TEXTS } from "../../../server/contracts/refusals.js";
import { Role } from "../../../server/contracts/roles.js";
import { furnitureWorkflow } from "../../../server/domain/workflow/templates/furnitureWorkflow.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates/standardWorkflow.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CJK = /[\u4e00-\u9fff]/;
/** Words that are the same in both languages (names, abbreviations). */
const SAME_IN_BOTH = new Set(["SLA", "Shopify", "Shopee", "B2B", "_key", "_version"]);

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Fails unless `pair` has a Chinese form (with Chinese in it) and an English form (without), with the same placeholders. */
function bilingual(where: string, pair: { "zh-CN"?: string; en?: string } | undefined): void {
  const zh = pair?.["zh-CN"] ?? "";
  const en = pair?.en ?? "";
  assert.ok(zh.trim() && en.trim(), `${where} lacks a form: ${JSON.stringify(pair)}`);
  if (SAME_IN_BOTH.has(zh) && zh === en) return;
  assert.ok(CJK.test(zh), `${where}: the zh-CN form is not Chinese: ${zh}`);
  assert.ok(!CJK.test(en.replace(/「[^」]*」/g, "")), `${where}: the English form has Chinese: ${en}`);
  assert.deepEqual(placeholders(zh), placeholders(en), `${where}: placeholders differ`);
}

/** Every bilingual text inside a workflow definition, with its path; and any alert text given in one language only. */
function texts(value: unknown, at: string, out: { at: string; pair?: { "zh-CN"?: string; en?: string }; single?: string }[]): void {
  if (Array.isArray(value)) return value.forEach((v, i) => texts(v, `${at}[${i}]`, out));
  if (!value || typeof value !== "object") return;
  const obj = value as Record<string, unknown>;
  if ("zh-CN" in obj || "en" in obj) return void out.push({ at, pair: obj as { "zh-CN"?: string; en?: string } });
  for (const [k, v] of Object.entries(obj)) {
    if ((k === "message" || k === "reason" || k === "title") && typeof v === "string") out.push({ at: `${at}.${k}`, single: v });
    else texts(v, `${at}.${k}`, out);
  }
}

describe("every word a user sees exists in zh-CN and English", function () {
  it("the pane's catalogue: every message in both languages, with the same placeholders", function () {
    const html = readFileSync(path.join(HERE, "../../../addin/taskpane.html"), "utf8");
    const keys = new Set<string>([...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]));
    for (const key of keys) bilingual(`pane ${key}`, { "zh-CN": t("zh-CN", key as MessageKey), en: t("en", key as MessageKey) });
    // Every element of the pane with words in it is worded from the catalogue (language names excepted).
    for (const m of html.matchAll(/<(\w+)([^>]*)>([^<]+)</g)) {
      const [, tag, attrs, text] = m;
      if (!/[A-Za-z\u4e00-\u9fff]/.test(text) || tag === "title" || tag === "option" || tag === "script" || tag === "style") continue;
      assert.match(attrs, /data-i18n=/, `<${tag}> "${text.trim()}" of the pane is not in the catalogue`);
    }
  });

  it("the catalogue's messages all have both forms", function () {
    const source = readFileSync(path.join(HERE, "../../../addin/core/i18n.ts"), "utf8");
    const zhBlock = source.slice(source.indexOf("const zh = {"), source.indexOf("/** A message key. */"));
    const keys = [...zhBlock.matchAll(/^\s+"([\w.]+)":/gm)].map((m) => m[1]);
    assert.ok(keys.length > 80, `${keys.length} keys`);
    for (const key of keys) bilingual(key, { "zh-CN": t("zh-CN", key as MessageKey), en: t("en", key as MessageKey) });
  });

  it("sheets: column headers, sheet names, alert levels, channels and roles", function () {
    for (const c of COLUMNS) bilingual(`column ${c.id}`, c.header);
    for (const role of SHEET_ROLES) bilingual(`sheet ${role}`, { "zh-CN": defaultSheetName(role, "zh-CN"), en: defaultSheetName(role, "en") });
    for (const level of ["red", "orange", "yellow", "green"]) bilingual(`alert level ${level}`, { "zh-CN": alertLevelLabel(level, "zh-CN"), en: alertLevelLabel(level, "en") });
    for (const ch of ChannelName.options) bilingual(`channel ${ch}`, { "zh-CN": channelLabel(ch, "zh-CN"), en: channelLabel(ch, "en") });
    for (const role of Role.options) bilingual(`role ${role}`, ROLE_LABELS[role]);
  });

  it("the server's refusal words, which the pane words refusals and conflicts with", function () {
    for (const [code, pair] of Object.entries(REFUSAL_TEXTS)) bilingual(`refusal ${code}`, pair);
  });

  it("the texts of both shipped workflows: state names, alert and rule texts, unmet guards", function () {
    for (const flow of [standardWorkflow, furnitureWorkflow]) {
      for (const s of flow.states) bilingual(`${flow.name} state ${s.code}`, s.labels);
      const found: { at: string; pair?: { "zh-CN"?: string; en?: string }; single?: string }[] = [];
      texts(flow, flow.name, found);
      const single = found.filter((f) => f.single !== undefined);
      assert.deepEqual(single.map((f) => `${f.at}: ${f.single}`), [], "texts in one language only");
      for (const f of found) if (f.pair) bilingual(f.at, f.pair);
      assert.ok(found.length > flow.states.length, `${flow.name}: ${found.length} texts`);
    }
    assert.deepEqual([...LANGS], ["zh-CN", "en"]);
  });
});
