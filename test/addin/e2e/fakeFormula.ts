/**
 * TEST-ONLY: evaluates the few worksheet functions a data-validation list formula of the pane
 * uses — OFFSET, MATCH (exact), INDEX, cell and range references with or without a sheet,
 * relative or absolute, numbers and `+`/`-` — as Excel would for a given cell, so the e2e test
 * can read the list a row's dropdown offers.
 */
import { parseA1 } from "../../../addin/core/a1.js";

type Cell = string | number | boolean;
/** A block of a sheet. */
export interface Ref { sheet: string; top: number; left: number; bottom: number; right: number }
type Value = Ref | Cell;

/** Reads a cell of a sheet. */
export type CellReader = (sheet: string, row: number, col: number) => Cell;

const isRef = (v: Value): v is Ref => typeof v === "object";

/**
 * Evaluates `formula` (leading `=` optional) written for the cell at (`baseRow`, `baseCol`) as it
 * applies to the cell `rowShift` rows and `colShift` columns away: relative references move.
 */
export function evaluateFormula(formula: string, homeSheet: string, read: CellReader, rowShift = 0, colShift = 0): Value {
  const src = formula.replace(/^=/, "");
  let i = 0;
  const peek = () => src[i];
  const skip = () => {
    while (src[i] === " ") i++;
  };
  const scalar = (v: Value): Cell => (isRef(v) ? read(v.sheet, v.top, v.left) : v);
  const num = (v: Value): number => Number(scalar(v));

  function reference(text: string): Ref {
    const bang = text.lastIndexOf("!");
    const sheet = bang >= 0 ? text.slice(0, bang).replace(/^'|'$/g, "").replace(/''/g, "'") : homeSheet;
    const local = bang >= 0 ? text.slice(bang + 1) : text;
    const [a, b = a] = local.split(":");
    const shift = (part: string) => {
      const m = /^(\$?)([A-Z]+)(\$?)(\d+)$/.exec(part);
      if (!m) throw new Error(`unsupported reference ${part}`);
      const p = parseA1(`${m[2]}${m[4]}`);
      return { row: p.top + (m[3] ? 0 : rowShift), col: p.left + (m[1] ? 0 : colShift) };
    };
    const s = shift(a);
    const e = shift(b);
    return { sheet, top: s.row, left: s.col, bottom: e.row, right: e.col };
  }

  function call(name: string, args: Value[]): Value {
    switch (name) {
      case "OFFSET": {
        const base = args[0] as Ref;
        const top = base.top + num(args[1]);
        const left = base.left + num(args[2]);
        const height = args[3] === undefined ? base.bottom - base.top + 1 : num(args[3]);
        const width = args[4] === undefined ? base.right - base.left + 1 : num(args[4]);
        if (!(height >= 1 && width >= 1)) throw new Error("#REF!");
        return { sheet: base.sheet, top, left, bottom: top + height - 1, right: left + width - 1 };
      }
      case "MATCH": {
        const wanted = String(scalar(args[0]));
        const range = args[1] as Ref;
        if (num(args[2]) !== 0) throw new Error("only exact MATCH is modelled");
        for (let r = range.top, n = 1; r <= range.bottom; r++) {
          for (let c = range.left; c <= range.right; c++, n++) if (String(read(range.sheet, r, c)).toLowerCase() === wanted.toLowerCase()) return n;
        }
        throw new Error("#N/A");
      }
      case "INDEX": {
        const range = args[0] as Ref;
        const n = num(args[1]) - 1;
        const vertical = range.bottom > range.top;
        return read(range.sheet, range.top + (vertical ? n : 0), range.left + (vertical ? 0 : n));
      }
      default:
        throw new Error(`function ${name} is not modelled`);
    }
  }

  function primary(): Value {
    skip();
    const rest = src.slice(i);
    const fn = /^([A-Z]+)\(/.exec(rest);
    if (fn) {
      i += fn[0].length;
      const args: Value[] = [];
      skip();
      if (peek() !== ")") {
        for (;;) {
          args.push(expression());
          skip();
          if (peek() === ",") i++;
          else break;
        }
      }
      if (peek() !== ")") throw new Error(`expected ) at ${i} in ${src}`);
      i++;
      return call(fn[1], args);
    }
    const ref = /^((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?/.exec(rest);
    if (ref) {
      i += ref[0].length;
      return reference(ref[0]);
    }
    const n = /^\d+(\.\d+)?/.exec(rest);
    if (n) {
      i += n[0].length;
      return Number(n[0]);
    }
    throw new Error(`cannot read ${rest}`);
  }

  function expression(): Value {
    let left = primary();
    for (;;) {
      skip();
      const op = peek();
      if (op !== "+" && op !== "-") return left;
      i++;
      const right = primary();
      left = op === "+" ? num(left) + num(right) : num(left) - num(right);
    }
  }

  const out = expression();
  if (i < src.length) throw new Error(`unexpected ${src.slice(i)}`);
  return out;
}

/** The values of a block, row by row, left to right (what a list validation offers). */
export function listOf(ref: Ref, read: CellReader): Cell[] {
  const out: Cell[] = [];
  for (let r = ref.top; r <= ref.bottom; r++) for (let c = ref.left; c <= ref.right; c++) out.push(read(ref.sheet, r, c));
  return out;
}
