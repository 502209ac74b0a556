/** Claims of schedule slots shared by server instances (implemented by `KnexJobSlots`). */
export interface SlotClaims {
  /** Whether this instance runs `slot` of `job` for the workspace (another instance may have claimed it). */
  claim(workspaceId: string, job: string, slot: Date): Promise<boolean>;
}
