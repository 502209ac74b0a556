const MINUTE = 60_000;
const DAY = 1440 * MINUTE;

let cachedDay = Number.NaN;
let cachedPrefix = "";

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * `new Date(ms).toISOString()`, several times faster for runs of instants on the same UTC
 * day (the engine and the sandbox format millions of them). Same output for every input.
 */
export function isoAt(ms: number): string {
  const day = Math.floor(ms / DAY);
  if (day !== cachedDay) {
    if (!(ms >= 0 && ms < 253402300800000)) return new Date(ms).toISOString();
    cachedDay = day;
    cachedPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  let r = ms - day * DAY;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / MINUTE);
  r -= m * MINUTE;
  const s = Math.floor(r / 1000);
  return `${cachedPrefix}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[r - s * 1000]}Z`;
}
