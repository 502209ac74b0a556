/** The origin the checked-in manifest points at (the local dev server). */
export const DEV_ORIGIN = "https://localhost:3443";

/**
 * The manifest for another host: every URL of the dev origin moved to `url`'s origin.
 * Only HTTPS origins are accepted: Office loads add-ins over HTTPS only.
 */
export function manifestFor(xml: string, url: string): string {
  const target = new URL(url);
  if (target.protocol !== "https:") throw new Error(`${url}: Office add-ins must be served over https`);
  return xml.split(DEV_ORIGIN).join(target.origin);
}
