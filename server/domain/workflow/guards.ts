import { Duration, Environment } from "@marcbachmann/cel-js/evaluator";
import {
  CEL_DURATION,
  CEL_TIMESTAMP,
  CustomerView,
  EventDataView,
  EventView,
  OrderLineView,
  OrderView,
  RelatedView,
  NO_RELATED,
  type GuardActivation,
} from "./guardContext.js";
import type { ASTNode } from "@marcbachmann/cel-js";

/**
 * Guards are CEL expressions (non-Turing-complete, no I/O) type-checked against the typed
 * context of `guardContext.ts`, so a guard naming an unknown field or comparing a string
 * with a number is refused when the definition is published, not when an order hits it.
 */

const MS_PER_MINUTE = 60_000;

function durationOf(minutes: bigint): Duration {
  return Duration.fromMilliseconds(Number(minutes) * MS_PER_MINUTE);
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** The hour (0–23) of `t` on the wall clock of time zone `tz` (cached formatters: fast). */
function hourIn(t: Date, tz: string): bigint {
  let f = hourFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hour: "numeric", hourCycle: "h23" });
    hourFormats.set(tz, f);
  }
  return BigInt(Number(f.format(t)));
}

/** The one shared environment. Creating environments is expensive; this happens once. */
const env = new Environment({ limits: { maxAstNodes: 500, maxDepth: 32 } })
  .registerType("Customer", { ctor: CustomerView, fields: CustomerView.fields })
  .registerType("OrderLine", { ctor: OrderLineView, fields: OrderLineView.fields })
  .registerType("Order", { ctor: OrderView, fields: OrderView.fields })
  .registerType("EventData", { ctor: EventDataView, fields: EventDataView.fields })
  .registerType("Event", { ctor: EventView, fields: EventView.fields })
  .registerType("Related", { ctor: RelatedView, fields: RelatedView.fields })
  .registerVariable("order", "Order", { description: "The order after the event's facts are applied" })
  .registerVariable("event", "Event", { description: "The event being decided" })
  .registerVariable("now", CEL_TIMESTAMP, { description: "The decision time" })
  .registerVariable("heldFor", CEL_DURATION, { description: "Time spent in the current status" })
  .registerVariable("tz", "string", { description: "The workspace time zone" })
  .registerVariable("related", "Related", { description: "Cross-order counts computed by the caller" })
  .registerFunction(`minutes(int): ${CEL_DURATION}`, durationOf, { description: "n minutes" })
  .registerFunction(`hours(int): ${CEL_DURATION}`, (n: bigint) => durationOf(n * 60n), { description: "n hours" })
  .registerFunction(`days(int): ${CEL_DURATION}`, (n: bigint) => durationOf(n * 1440n), { description: "n days" })
  .registerFunction(`hourIn(${CEL_TIMESTAMP}, string): int`, hourIn, { description: "hour 0-23 of a time in a time zone" })
  .registerFunction("abs(int): int", (n: bigint) => (n < 0n ? -n : n), { description: "absolute value" });

/** A checked, ready-to-run guard. */
export interface CompiledGuard {
  expression: string;
  /** Runs against an activation built by `guardContext` (build it once per decision). */
  run(activation: GuardActivation): GuardResult;
}

/** The outcome of a guard: held or not, and the evaluation error if it could not run. */
export type GuardResult = { ok: true } | { ok: false; error?: string };

/** Thrown for a guard that does not parse or does not type-check as a boolean. */
export class GuardError extends Error {
  constructor(readonly expression: string, message: string) {
    super(message);
    this.name = "GuardError";
  }
}

const MAX_CACHE = 2000;
const cache = new Map<string, CompiledGuard>();

/** The first line of a library error (later lines are a source excerpt with a caret). */
function firstLine(message: string): string {
  return message.split("\n")[0].trim();
}

/** The variables a guard may use, for error messages. */
export const GUARD_VARIABLES = ["order", "event", "now", "heldFor", "tz", "related"] as const;

/** Rewords the library's terse type errors for the people who write guards. */
function explain(message: string): string {
  const line = firstLine(message);
  let m = /^No such key: (.+)$/.exec(line);
  if (m) return `unknown field "${m[1]}"`;
  m = /^Unknown variable: (.+)$/.exec(line);
  if (m) return `unknown variable "${m[1]}" (guards may use ${GUARD_VARIABLES.join(", ")})`;
  m = /^no such overload: (.+)$/.exec(line);
  if (m) return `cannot compute ${m[1]} (mismatched types)`;
  return line;
}

/**
 * Why `expression` is not a valid guard (syntax, unknown field, type mismatch, not a
 * boolean), as a readable sentence — or null when it is valid.
 */
export function guardProblem(expression: string): string | null {
  let parsed;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    return `syntax error: ${firstLine((e as Error).message)}`;
  }
  const checked = parsed.check();
  if (!checked.valid) return `type error: ${explain(checked.error?.message ?? "invalid expression")}`;
  if (checked.type !== "bool" && checked.type !== "dyn") return `must be a true/false condition, but it gives a value of type ${checked.type}`;
  return null;
}

/** The variable names an expression reads (iteration variables of macros included). */
function identifiers(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const n of node) identifiers(n, out);
  else if (node && typeof node === "object" && "op" in node) {
    const ast = node as ASTNode;
    if (ast.op === "id") out.add(ast.args);
    else identifiers(ast.args, out);
  }
  return out;
}

/** Compiles (once, cached) a guard; throws `GuardError` when it is invalid. */
export function compileGuard(expression: string): CompiledGuard {
  const hit = cache.get(expression);
  if (hit) return hit;
  const problem = guardProblem(expression);
  if (problem) throw new GuardError(expression, `guard \`${expression}\`: ${problem}`);
  const fn = env.parse(expression);
  const run = (activation: GuardActivation): GuardResult => {
    try {
      return fn(activation) === true ? { ok: true } : { ok: false };
    } catch (e) {
      return { ok: false, error: firstLine((e as Error).message) };
    }
  };
  // A guard that reads nothing but `related` (the circuit breakers) has one answer when no counts are given.
  const relatedOnly = [...identifiers(fn.ast, new Set())].every((name) => name === "related");
  let withoutCounts: GuardResult | undefined;
  const compiled: CompiledGuard = {
    expression,
    run(activation) {
      if (relatedOnly && (activation as { [NO_RELATED]?: boolean })[NO_RELATED]) return (withoutCounts ??= run(activation));
      return run(activation);
    },
  };
  if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value as string);
  cache.set(expression, compiled);
  return compiled;
}

/**
 * Whether the guard holds (a missing guard always holds). A guard that fails at run time
 * (e.g. reads an absent field without `has()`) does not hold; the error is returned.
 */
export function evaluateGuard(expression: string | undefined, activation: GuardActivation): GuardResult {
  if (expression === undefined) return { ok: true };
  return compileGuard(expression).run(activation);
}
