/// <reference types="office-js" />
import { LANGS, t, type Lang, type MessageKey } from "../core/i18n.js";

/** The sheets the pane keeps. */
export const SHEET_ROLES = ["orders", "lists", "alerts", "conflicts"] as const;

/** One of the pane's sheets. */
export type SheetRole = (typeof SHEET_ROLES)[number];

/** Where each of the pane's sheets is now (its current name). */
export type SheetNames = Record<SheetRole, string>;

/** The hidden workbook-level name marking each sheet: it refers to the sheet's A1, so Excel keeps it pointing at the sheet through renames. */
export const SHEET_MARKERS: Readonly<Record<SheetRole, string>> = {
  orders: "_ordersheet_orders",
  lists: "_ordersheet_lists",
  alerts: "_ordersheet_alerts",
  conflicts: "_ordersheet_conflicts",
};

/** The name a new sheet gets in `lang` (the workbook's language at setup). */
export function defaultSheetName(role: SheetRole, lang: Lang): string {
  return t(lang, `sheet.name.${role}` as MessageKey);
}

/** The sheet name a named item's value ("=Alerts!$A$1", "'My sheet'!$A$1") refers to; undefined when the sheet is gone (#REF!). */
export function sheetOfReference(value: unknown): string | undefined {
  const text = String(value ?? "").replace(/^=/, "");
  const bang = text.lastIndexOf("!");
  if (bang <= 0 || text.includes("#REF")) return undefined;
  const sheet = text.slice(0, bang);
  return sheet.startsWith("'") ? sheet.slice(1, -1).replace(/''/g, "'") : sheet;
}

interface Probe {
  marker: Excel.NamedItem;
  byName: Excel.Worksheet[];
}

/**
 * Finds the pane's sheets by their hidden markers (never by name, so staff may rename them);
 * a sheet without a marker yet — a workbook set up before markers, or a marker whose sheet was
 * deleted — is taken by its default name in either language, or created with the name of
 * `lang`, and marked. With `rename`, a sheet still bearing another language's default name
 * takes the one of `lang` (the language switch). `tableSheet` is where the Orders table is,
 * when there is one: it is the Orders sheet, whatever its name. Returns the sheets' names.
 */
export async function locateSheets(context: Excel.RequestContext, lang: Lang, tableSheet: string | undefined, rename = false): Promise<{ names: SheetNames; sheets: Record<SheetRole, Excel.Worksheet> }> {
  const workbook = context.workbook;
  const probes = {} as Record<SheetRole, Probe>;
  for (const role of SHEET_ROLES) {
    probes[role] = {
      marker: workbook.names.getItemOrNullObject(SHEET_MARKERS[role]).load("isNullObject,value"),
      byName: LANGS.map((l) => workbook.worksheets.getItemOrNullObject(defaultSheetName(role, l)).load("isNullObject,name")),
    };
  }
  await context.sync();
  const names = {} as SheetNames;
  const sheets = {} as Record<SheetRole, Excel.Worksheet>;
  const taken = new Set<string>();
  for (const role of SHEET_ROLES) {
    const { marker, byName } = probes[role];
    let name = role === "orders" ? tableSheet : undefined;
    if (!name && !marker.isNullObject) name = sheetOfReference(marker.value);
    let sheet: Excel.Worksheet | undefined;
    if (!name) {
      const existing = byName.find((s) => !s.isNullObject && !taken.has(s.name));
      if (existing) name = existing.name;
    }
    const wanted = defaultSheetName(role, lang);
    if (!name) {
      sheet = workbook.worksheets.add(wanted);
      name = wanted;
    } else {
      sheet = workbook.worksheets.getItem(name);
      const otherDefault = LANGS.some((l) => l !== lang && defaultSheetName(role, l) === name);
      const free = byName.every((s, i) => LANGS[i] !== lang || s.isNullObject);
      if (rename && otherDefault && free) {
        sheet.name = wanted;
        name = wanted;
      }
    }
    if (marker.isNullObject || sheetOfReference(marker.value) !== name) {
      if (!marker.isNullObject) marker.delete();
      const added = workbook.names.add(SHEET_MARKERS[role], sheet.getRange("A1"));
      added.visible = false;
    }
    taken.add(name);
    names[role] = name;
    sheets[role] = sheet;
  }
  return { names, sheets };
}
