import { ROLE_LABELS } from "../../server/contracts/access.js";
import { REFUSAL_TEXTS } from "../../server/contracts/refusals.js";
import { COLUMNS } from "./columns.js";
import { listSeparator, t, type Lang, type MessageKey } from "./i18n.js";
import type { StatusBook } from "./StatusBook.js";

/** The catalogue keys whose texts are written into Sync cells. */
const SYNC_KEYS: MessageKey[] = [
  "sync.pending",
  "sync.saved",
  "sync.conflictBy",
  "sync.conflictServer",
  "sync.refusedMove",
  "sync.refused",
  "sync.conflict",
  "refuse.systemColumn",
  "refuse.noKey",
  "refuse.keyColumn",
  "refuse.unknownStatus",
  "refuse.role",
  "refuse.noColumns",
  "refuse.tooLong",
  "refuse.readOnly",
];

interface Pattern {
  regex: RegExp;
  names: string[];
  render: (to: Lang, params: Record<string, string>) => string;
}

function patternOf(template: string, render: Pattern["render"]): Pattern {
  const names: string[] = [];
  const source = template
    .split(/(\{\w+\})/)
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(m[1]);
      return "(.*?)";
    })
    .join("");
  return { regex: new RegExp(`^${source}$`, "s"), names, render };
}

function patterns(from: Lang): Pattern[] {
  const out: Pattern[] = [];
  for (const key of SYNC_KEYS) out.push(patternOf(t(from, key), (to, params) => t(to, key, params)));
  for (const [code, words] of Object.entries(REFUSAL_TEXTS)) {
    out.push(patternOf(words[from], (to, params) => words[to].replace(/\{(\w+)\}/g, (_, n: string) => params[n] ?? "?")));
  }
  // The longest templates first: a specific one wins over "{reason}"-like catch-alls.
  return out.sort((a, b) => b.regex.source.length - a.regex.source.length);
}

/** A word of the sheet in the other language: a status, a column header, a role, or a list of them. */
function translateWord(word: string, from: Lang, to: Lang, statuses: StatusBook): string {
  const code = statuses.code(word);
  if (code) return statuses.label(code, to);
  const column = COLUMNS.find((c) => c.header[from] === word);
  if (column) return column.header[to];
  const role = Object.values(ROLE_LABELS).find((r) => r[from] === word);
  if (role) return role[to];
  const sep = listSeparator(from);
  if (word.includes(sep)) return word.split(sep).map((w) => translateWord(w, from, to, statuses)).join(listSeparator(to));
  return word;
}

/** One message of a Sync cell in `to`, when it is one of the pane's or the server's worded texts; undefined otherwise. */
function rewordOne(text: string, from: Lang, to: Lang, statuses: StatusBook, depth = 0): string | undefined {
  for (const p of patterns(from)) {
    const m = p.regex.exec(text);
    if (!m) continue;
    const params: Record<string, string> = {};
    p.names.forEach((name, i) => {
      const value = m[i + 1];
      params[name] = (depth < 2 ? rewordOne(value, from, to, statuses, depth + 1) : undefined) ?? translateWord(value, from, to, statuses);
    });
    return p.render(to, params);
  }
  return undefined;
}

/**
 * A Sync cell's text in language `to` (the language switch re-words cells already written):
 * each of its messages is matched against the pane's and the server's templates in `from` and
 * written again in `to`, statuses, columns and roles included. Text it does not recognise stays.
 */
export function rewordSync(text: string, from: Lang, to: Lang, statuses: StatusBook): string {
  if (!text || from === to) return text;
  return text
    .split("; ")
    .map((part) => {
      // A refused move carries its allowed statuses after the reason.
      const allowed = patternOf(t(from, "sync.allowed"), () => "");
      for (let cut = part.length - 1; cut > 0; cut--) {
        const tail = part.slice(cut);
        const m = allowed.regex.exec(tail);
        if (m) {
          const head = rewordOne(part.slice(0, cut), from, to, statuses) ?? part.slice(0, cut);
          return head + t(to, "sync.allowed", { list: translateWord(m[1], from, to, statuses) });
        }
      }
      return rewordOne(part, from, to, statuses) ?? part;
    })
    .join("; ");
}
