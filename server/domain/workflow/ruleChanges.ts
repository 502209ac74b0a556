import type { WorkflowDefinition } from "../../contracts/workflow.js";

/** What changed in one list of rules or timers between two definitions, by ID. */
export interface IdChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What a publish changes in the event rules and timers; null when it changes neither. */
export interface RuleChanges {
  rules: IdChanges;
  timers: IdChanges;
}

function diffById(before: readonly { id: string }[], after: readonly { id: string }[]): IdChanges {
  const old = new Map(before.map((r) => [r.id, JSON.stringify(r)]));
  const now = new Map(after.map((r) => [r.id, JSON.stringify(r)]));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !now.has(id)),
    changed: [...now.keys()].filter((id) => old.has(id) && old.get(id) !== now.get(id)),
  };
}

const empty = (c: IdChanges) => c.added.length + c.removed.length + c.changed.length === 0;

/**
 * The rules and timers a new definition adds, removes or changes compared with the one it
 * replaces (for the sensitive-operation log); null when they are all the same.
 */
export function ruleChanges(before: Pick<WorkflowDefinition, "rules" | "timers">, after: Pick<WorkflowDefinition, "rules" | "timers">): RuleChanges | null {
  const rules = diffById(before.rules ?? [], after.rules ?? []);
  const timers = diffById(before.timers ?? [], after.timers ?? []);
  return empty(rules) && empty(timers) ? null : { rules, timers };
}
