import { createHash } from "node:crypto";

/** The origin the checked-in manifest points at (the local dev server). */
export const DEV_ORIGIN = "https://localhost:3443";

/**
 * A stable add-in Id for a host: the same every time the manifest is written for it, and
 * different from the dev manifest's, so Office treats the production add-in and a developer's
 * local one as two add-ins that can be installed side by side (a name-based UUID, version 5).
 */
export function addinIdFor(origin: string): string {
  const h = createHash("sha1").update(`ordersheet-addin:${origin}`).digest().subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * The manifest for another host: every URL of the dev origin moved to `url`'s origin, and an
 * add-in Id of its own for that host. Only HTTPS origins are accepted: Office loads add-ins
 * over HTTPS only.
 */
export function manifestFor(xml: string, url: string): string {
  const target = new URL(url);
  if (target.protocol !== "https:") throw new Error(`${url}: Office add-ins must be served over https`);
  return xml
    .split(DEV_ORIGIN)
    .join(target.origin)
    .replace(/<Id>[0-9A-Fa-f-]{36}<\/Id>/, `<Id>${addinIdFor(target.origin)}</Id>`);
}
