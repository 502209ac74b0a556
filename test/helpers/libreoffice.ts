import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where the LibreOffice the round-trip tests open files with lives. */
export const LIBREOFFICE = "/usr/bin/libreoffice";

/** Whether LibreOffice is installed (round-trip tests are skipped, visibly, when it is not). */
export async function hasLibreOffice(): Promise<boolean> {
  try {
    await fs.access(LIBREOFFICE, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens a workbook in headless LibreOffice (a fresh profile each time, so parallel runs do not
 * share one) and saves its first sheet as CSV: UTF-8, comma separated, text cells quoted and
 * numbers and dates as their number format shows them. Proves the file opens, and which cells
 * LibreOffice took as text. Throws with LibreOffice's output when it cannot convert.
 */
export async function libreOfficeCsv(workbook: Buffer, ext = "xlsx"): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ordersheet-lo-"));
  try {
    const file = path.join(dir, `book.${ext}`);
    await fs.writeFile(file, workbook);
    const { stdout, stderr } = await run(
      LIBREOFFICE,
      [`-env:UserInstallation=file://${path.join(dir, "profile")}`, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, file],
      { timeout: 180_000 },
    );
    try {
      return await fs.readFile(path.join(dir, "book.csv"), "utf8");
    } catch {
      throw new Error(`LibreOffice did not convert the file: ${stdout} ${stderr}`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
