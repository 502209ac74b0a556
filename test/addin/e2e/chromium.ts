import { execFileSync } from "node:child_process";
import { chromium, type Browser } from "playwright-core";

/** Flags for Debian's chromium in a container: headless, no sandbox, no network chatter of its own. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The system Chromium (`which chromium`). Fails loudly when it is missing: `.ci/run` installs
 * it, and a silently skipped end-to-end test would hide a broken task pane.
 */
export function chromiumPath(): string {
  let found = "";
  try {
    found = execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    found = "";
  }
  if (!found) {
    throw new Error("Chromium was not found (`which chromium` is empty). Install it with: apt-get install -y chromium (the CI script does this).");
  }
  return found;
}

/** Launches headless Chromium with the system binary. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
