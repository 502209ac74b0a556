import { WorkflowDefinition } from "../../contracts/workflow.js";
import { guardProblem } from "./guards.js";

/** One thing wrong with a definition: where (`transitions[3].guard`, "" for the whole) and why. */
export interface Problem {
  path: string;
  message: string;
}

/** What publishing checks the definition against. */
export interface ValidateOptions {
  /** Live (non-terminal) orders per status under the current version. */
  liveStates?: Record<string, number>;
  /** The version being replaced. */
  previous?: WorkflowDefinition;
  /**
   * Checking a what-if for the sandbox, not a version to publish: a state that cannot be
   * reached or left is what the sandbox is there to show, so only problems that make the
   * definition impossible to run (shape, unknown states, guards) count.
   */
  forSimulation?: boolean;
}

function pathOf(parts: readonly PropertyKey[]): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function duplicates<T>(items: readonly T[], key: (t: T) => string, where: string, what: string, problems: Problem[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) problems.push({ path: `${where}[${i}]`, message: `duplicate ${what} "${k}"` });
    seen.add(k);
  });
}

/** States reachable from `initial` through transitions ("*" from any open state) and timer moves. */
function reachable(def: WorkflowDefinition): Set<string> {
  const terminal = new Set(def.states.filter((s) => s.terminal).map((s) => s.code));
  const edges = new Map<string, string[]>();
  const add = (from: string, to: string) => edges.set(from, [...(edges.get(from) ?? []), to]);
  for (const t of def.transitions) {
    if (t.from !== "*") add(t.from, t.to);
    else for (const s of def.states) if (!terminal.has(s.code)) add(s.code, t.to);
  }
  for (const t of def.timers) if (t.action.kind === "transition") add(t.state, t.action.to);
  const seen = new Set([def.initial]);
  const queue = [def.initial];
  while (queue.length) {
    for (const next of edges.get(queue.shift() as string) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

function checkStructure(def: WorkflowDefinition, problems: Problem[]): void {
  const states = new Map(def.states.map((s) => [s.code, s]));
  const known = (code: string) => states.has(code);
  duplicates(def.states, (s) => s.code, "states", "state code", problems);
  duplicates(def.transitions, (t) => t.id, "transitions", "transition id", problems);
  duplicates(def.timers, (t) => t.id, "timers", "timer id", problems);
  duplicates(def.rules, (r) => r.id, "rules", "rule id", problems);

  if (!known(def.initial)) problems.push({ path: "initial", message: `initial status "${def.initial}" is not one of the states` });
  else if (states.get(def.initial)?.terminal) problems.push({ path: "initial", message: `initial status "${def.initial}" is terminal, so orders could never move` });

  def.transitions.forEach((t, i) => {
    const at = `transitions[${i}]`;
    if (t.from !== "*" && !known(t.from)) problems.push({ path: `${at}.from`, message: `transition ${t.id} starts from unknown state "${t.from}"` });
    else if (t.from !== "*" && states.get(t.from)?.terminal) problems.push({ path: `${at}.from`, message: `transition ${t.id} leaves terminal state "${t.from}"; terminal states end the lifecycle` });
    if (!known(t.to)) problems.push({ path: `${at}.to`, message: `transition ${t.id} leads to unknown state "${t.to}"` });
    if (t.trigger === "manual" && t.roles.length === 0) problems.push({ path: `${at}.roles`, message: `manual transition ${t.id} lists no role that may take it` });
    if (t.roles.includes("auditor")) problems.push({ path: `${at}.roles`, message: `transition ${t.id} lists auditor, a read-only role` });
  });

  def.timers.forEach((t, i) => {
    const at = `timers[${i}]`;
    if (!known(t.state)) problems.push({ path: `${at}.state`, message: `timer ${t.id} watches unknown state "${t.state}"` });
    else if (states.get(t.state)?.terminal) problems.push({ path: `${at}.state`, message: `timer ${t.id} watches terminal state "${t.state}", where orders no longer move` });
    if (t.action.kind === "transition") {
      if (!known(t.action.to)) problems.push({ path: `${at}.action.to`, message: `timer ${t.id} moves orders to unknown state "${t.action.to}"` });
      else if (t.action.to === t.state) problems.push({ path: `${at}.action.to`, message: `timer ${t.id} moves orders to the state they are already in` });
    }
  });
}

function checkGraph(def: WorkflowDefinition, problems: Problem[]): void {
  const codes = new Set(def.states.map((s) => s.code));
  if (!codes.has(def.initial)) return;
  const seen = reachable(def);
  const wildcardOut = def.transitions.some((t) => t.from === "*");
  def.states.forEach((s, i) => {
    if (!seen.has(s.code)) problems.push({ path: `states[${i}]`, message: `state "${s.code}" cannot be reached from the initial status "${def.initial}"` });
    if (s.terminal) return;
    const leaves =
      wildcardOut ||
      def.transitions.some((t) => t.from === s.code) ||
      def.timers.some((t) => t.state === s.code && t.action.kind === "transition");
    if (!leaves) problems.push({ path: `states[${i}]`, message: `state "${s.code}" is not terminal but no transition or timer leads out of it` });
  });
}

function checkGuards(def: WorkflowDefinition, problems: Problem[]): void {
  const check = (guard: string | undefined, path: string) => {
    if (guard === undefined) return;
    const p = guardProblem(guard);
    if (p) problems.push({ path, message: `guard \`${guard}\` is invalid: ${p}` });
  };
  def.transitions.forEach((t, i) => check(t.guard, `transitions[${i}].guard`));
  def.timers.forEach((t, i) => check(t.guard, `timers[${i}].guard`));
  def.rules.forEach((r, i) => check(r.guard, `rules[${i}].guard`));
}

function checkMigration(def: WorkflowDefinition, opts: ValidateOptions, problems: Problem[]): void {
  const codes = new Set(def.states.map((s) => s.code));
  const map = def.stateMap ?? {};
  const previous = opts.previous ? new Set(opts.previous.states.map((s) => s.code)) : null;
  for (const [from, to] of Object.entries(map)) {
    if (codes.has(from)) problems.push({ path: `stateMap.${from}`, message: `"${from}" is still a state of this version; stateMap is only for dropped states` });
    if (!codes.has(to)) problems.push({ path: `stateMap.${from}`, message: `maps "${from}" to "${to}", which is not a state of this version` });
    if (previous && !previous.has(from)) problems.push({ path: `stateMap.${from}`, message: `"${from}" is not a state of the version being replaced` });
  }
  for (const [status, count] of Object.entries(opts.liveStates ?? {})) {
    if (count <= 0 || codes.has(status) || status in map) continue;
    problems.push({
      path: "stateMap",
      message: `${count} live order${count === 1 ? " is" : "s are"} in status "${status}", which this version drops: add stateMap.${status} naming the status to move ${count === 1 ? "it" : "them"} to`,
    });
  }
}

/**
 * Every problem with `def` as a workflow to publish, in readable English: schema errors
 * (then nothing else is checked), duplicate ids, unknown or terminal states where they do
 * not belong, states unreachable from `initial`, open states with no way out, guards that
 * do not parse or type-check, and live orders left in a dropped state without a `stateMap`
 * entry. An empty list means the definition may be published.
 */
export function validateDefinition(def: unknown, opts: ValidateOptions = {}): Problem[] {
  const parsed = WorkflowDefinition.safeParse(def);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message }));
  const problems: Problem[] = [];
  checkStructure(parsed.data, problems);
  if (!opts.forSimulation) checkGraph(parsed.data, problems);
  checkGuards(parsed.data, problems);
  checkMigration(parsed.data, opts, problems);
  return problems;
}

/** A definition's problems as one sentence (the first five, and how many more), after `what`. */
export function summariseProblems(what: string, problems: readonly Problem[]): string {
  const shown = problems.slice(0, 5).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
  return `${what}: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`;
}
