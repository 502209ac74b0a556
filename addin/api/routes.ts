import { api } from "../../server/contracts/api.js";

/** The routes the add-in calls, straight from the shared contracts in `server/contracts/api.ts`. */
export const routes = {
  me: api.me,
  listOrders: api.listOrders,
  countOrders: api.countOrders,
  getOrder: api.getOrder,
  changes: api.changes,
  changesHead: api.changesHead,
  edits: api.edits,
  workflow: api.getWorkflow,
  workflowMoves: api.workflowMoves,
  alerts: api.alerts,
  closeAlert: api.closeAlert,
  conflicts: api.conflicts,
  resolveConflict: api.resolveConflict,
  listConnectors: api.listConnectors,
  connectorHealth: api.connectorHealth,
};
