/// <reference types="office-js" />

const SETTING = "ordersheet.workbookId";

/**
 * A stable ID for this workbook, kept in its document settings (so it travels with the
 * file): the key under which the pane remembers its connection and queued edits.
 */
export async function workbookId(newId: () => string): Promise<string> {
  const settings = Office.context.document.settings;
  const existing = settings.get(SETTING) as unknown;
  if (typeof existing === "string" && existing) return existing;
  const id = newId();
  settings.set(SETTING, id);
  await new Promise<void>((resolve) => settings.saveAsync(() => resolve()));
  return id;
}
