import type { Knex } from "knex";
import type { FiledropFileInfo, FiledropFileStore, NewFiledropFile } from "../domain/connectors/filedrop.js";

const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;

/** Uploaded file-drop files, bytes and all. */
export class KnexFiledropStore implements FiledropFileStore {
  constructor(private readonly knex: Knex) {}

  async save(f: NewFiledropFile, now: Date): Promise<void> {
    await this.knex("filedrop_files").insert({
      workspace_id: f.workspaceId, id: f.id, connector_id: f.connectorId, name: f.name, media_type: f.mediaType, size: f.content.length, sha256: f.sha256,
      content: f.content, outcome: f.outcome, problems: JSON.stringify(f.problems), counts: JSON.stringify(f.counts), uploaded_by: f.uploadedBy, uploaded_at: now.toISOString(),
    });
  }

  async list(workspaceId: string, connectorId: string, limit: number): Promise<FiledropFileInfo[]> {
    const rows = await this.knex("filedrop_files")
      .where({ workspace_id: workspaceId, connector_id: connectorId })
      .orderBy([{ column: "uploaded_at", order: "desc" }, { column: "id", order: "desc" }])
      .limit(limit)
      .select("id", "name", "media_type", "size", "sha256", "outcome", "problems", "counts", "uploaded_by", "uploaded_at");
    return rows.map((r) => ({
      id: r.id, name: r.name, mediaType: r.media_type, size: Number(r.size), sha256: r.sha256, outcome: r.outcome, problems: json(r.problems), counts: json(r.counts),
      uploadedBy: r.uploaded_by, uploadedAt: new Date(r.uploaded_at).toISOString(),
    }));
  }

  async content(workspaceId: string, connectorId: string, id: string): Promise<{ name: string; mediaType: string; content: Buffer } | undefined> {
    const r = await this.knex("filedrop_files").where({ workspace_id: workspaceId, connector_id: connectorId, id }).first("name", "media_type", "content");
    return r ? { name: r.name, mediaType: r.media_type, content: Buffer.from(r.content) } : undefined;
  }
}
