import type { WorkflowDefinition } from "../../contracts/workflow.js";
import { InputError } from "../errors.js";

/**
 * The status an order in `oldStatus` takes when it moves onto definition `def`: the same
 * status when `def` still has it, else the one `def.stateMap` names. Throws `InputError`
 * when neither applies (`validateDefinition` refuses to publish such a definition when
 * live orders are in that status).
 */
export function mapStatus(def: WorkflowDefinition, oldStatus: string): string {
  if (def.states.some((s) => s.code === oldStatus)) return oldStatus;
  const mapped = def.stateMap?.[oldStatus];
  if (mapped !== undefined && def.states.some((s) => s.code === mapped)) return mapped;
  if (mapped !== undefined) {
    throw new InputError(`workflow ${def.name} maps status "${oldStatus}" to "${mapped}", which is not one of its states`);
  }
  throw new InputError(`workflow ${def.name} has no status "${oldStatus}" and no stateMap entry for it`);
}
