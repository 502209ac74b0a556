/**
 * Chinese platforms speak Beijing wall-clock time (UTC+8, no daylight saving) as
 * `yyyy-MM-dd HH:mm:ss`. These convert between that and instants.
 */

const OFFSET_MS = 8 * 3_600_000;

/** An instant as Beijing wall-clock time, `yyyy-MM-dd HH:mm:ss`. */
export function toBeijing(at: Date | string): string {
  const d = new Date(new Date(at).getTime() + OFFSET_MS);
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/** Beijing wall-clock `yyyy-MM-dd HH:mm:ss` (or an ISO instant with an offset) as an ISO instant; null when unreadable or empty. */
export function fromBeijing(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/.exec(text.trim());
  if (m) {
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)) - OFFSET_MS;
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  const t = Date.parse(text);
  return /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) && Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Unix seconds of an instant. */
export const unixSeconds = (at: Date): string => String(Math.floor(at.getTime() / 1000));
