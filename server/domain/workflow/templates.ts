import type { WorkflowDefinition } from "../../contracts/workflow.js";
import { furnitureWorkflow } from "./templates/furnitureWorkflow.js";
import { standardWorkflow } from "./templates/standardWorkflow.js";

export { furnitureWorkflow, standardWorkflow };

/** The workflow templates that ship with Ordersheet, by name. */
export const WORKFLOW_TEMPLATES: Readonly<Record<"standard" | "furniture", WorkflowDefinition>> = {
  standard: standardWorkflow,
  furniture: furnitureWorkflow,
};
