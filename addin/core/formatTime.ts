const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * A UTC instant as "YYYY-MM-DD HH:mm" in `timeZone` (the workspace's, e.g. Asia/Shanghai).
 * Text of this shape sorts and filters correctly in Excel. Empty for null or unparseable input.
 */
export function formatTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The calendar date ("YYYY-MM-DD") of an instant in `timeZone`; empty for null input. */
export function formatDate(iso: string | null | undefined, timeZone: string): string {
  return formatTime(iso, timeZone).slice(0, 10);
}
