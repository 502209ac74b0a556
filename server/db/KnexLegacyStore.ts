import type { Knex } from "knex";
import { normaliseWord } from "../domain/legacy/cellValues.js";
import type { ConfirmedMapping, ImportRowRecord, ImportRun, LegacyStore, StoredPhrase } from "../domain/legacy/ports.js";
import type { StatusPhrase } from "../domain/legacy/statusPhrases.js";

const iso = (v: unknown) => new Date(v as string).toISOString();
const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
const ROW_CHUNK = 1000;

function toRun(r: Record<string, unknown>): ImportRun {
  return {
    id: r.id as string,
    workspaceId: r.workspace_id as string,
    at: iso(r.at),
    actor: r.actor as string,
    dryRun: Boolean(r.dry_run),
    outcome: r.outcome as ImportRun["outcome"],
    mediaType: r.media_type as string,
    sheet: (r.sheet as string | null) ?? null,
    fingerprint: (r.fingerprint as string | null) ?? null,
    headerRow: r.header_row === null || r.header_row === undefined ? null : Number(r.header_row),
    bytes: Number(r.bytes),
    counts: json(r.counts),
    mapping: r.mapping === null ? null : json(r.mapping),
    error: (r.error as string | null) ?? null,
  };
}

/** Legacy-sheet mappings, phrases and import runs in the database. */
export class KnexLegacyStore implements LegacyStore {
  constructor(private readonly knex: Knex) {}

  async confirmedMapping(workspaceId: string, fingerprint: string): Promise<ConfirmedMapping | null> {
    const r = await this.knex("legacy_mappings").where({ workspace_id: workspaceId, fingerprint }).first();
    if (!r) return null;
    return { fingerprint, sheet: r.sheet, headerRow: Number(r.header_row), mapping: json(r.mapping), confirmedBy: r.confirmed_by, confirmedAt: iso(r.confirmed_at) };
  }

  async confirmMapping(workspaceId: string, m: ConfirmedMapping): Promise<void> {
    await this.knex("legacy_mappings")
      .insert({ workspace_id: workspaceId, fingerprint: m.fingerprint, sheet: m.sheet, header_row: m.headerRow, mapping: JSON.stringify(m.mapping), confirmed_by: m.confirmedBy, confirmed_at: m.confirmedAt })
      .onConflict(["workspace_id", "fingerprint"])
      .merge(["sheet", "header_row", "mapping", "confirmed_by", "confirmed_at"]);
  }

  async phrases(workspaceId: string): Promise<StoredPhrase[]> {
    const rows = await this.knex("legacy_status_phrases").where("workspace_id", workspaceId).orderBy("phrase_key");
    return rows.map((r) => ({ phrase: r.phrase, state: r.state, createdBy: r.created_by, createdAt: iso(r.created_at) }));
  }

  async putPhrases(workspaceId: string, actor: string, phrases: StatusPhrase[], now: Date): Promise<void> {
    if (!phrases.length) return;
    const byKey = new Map(phrases.map((p) => [normaliseWord(p.phrase) || p.phrase.trim(), p]));
    await this.knex("legacy_status_phrases")
      .insert([...byKey].map(([key, p]) => ({ workspace_id: workspaceId, phrase_key: key, phrase: p.phrase.trim(), state: p.state, created_by: actor, created_at: now.toISOString() })))
      .onConflict(["workspace_id", "phrase_key"])
      .merge(["phrase", "state", "created_by", "created_at"]);
  }

  async recordRun(run: ImportRun, rows: ImportRowRecord[], upload?: Buffer): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx("legacy_import_runs").insert({
        workspace_id: run.workspaceId, id: run.id, at: run.at, actor: run.actor, dry_run: run.dryRun, outcome: run.outcome, media_type: run.mediaType,
        sheet: run.sheet, fingerprint: run.fingerprint, header_row: run.headerRow, bytes: run.bytes, counts: JSON.stringify(run.counts),
        mapping: run.mapping === null ? null : JSON.stringify(run.mapping), error: run.error, upload: upload ?? null,
      });
      for (let i = 0; i < rows.length; i += ROW_CHUNK) {
        const slice = rows.slice(i, i + ROW_CHUNK);
        // One JSON parameter per chunk: 50,000 rows stay a few statements.
        await trx.raw(
          `insert into legacy_import_rows (workspace_id, run_id, "row", outcome, code, reason, reason_zh, order_id, detail)
           select ?, ?, (r->>'row')::int, r->>'outcome', r->>'code', r->>'reason', r->>'reasonZh', r->>'orderId', coalesce(r->'detail', '{}'::jsonb)
             from jsonb_array_elements(?::jsonb) r`,
          [run.workspaceId, run.id, JSON.stringify(slice)],
        );
      }
    });
  }

  async listRuns(workspaceId: string, limit: number): Promise<ImportRun[]> {
    const rows = await this.knex("legacy_import_runs")
      .where("workspace_id", workspaceId)
      .orderBy("seq", "desc")
      .limit(limit)
      .select("workspace_id", "id", "at", "actor", "dry_run", "outcome", "media_type", "sheet", "fingerprint", "header_row", "bytes", "counts", "mapping", "error");
    return rows.map(toRun);
  }

  async getRun(workspaceId: string, id: string) {
    const r = await this.knex("legacy_import_runs")
      .where({ workspace_id: workspaceId, id })
      .first("workspace_id", "id", "at", "actor", "dry_run", "outcome", "media_type", "sheet", "fingerprint", "header_row", "bytes", "counts", "mapping", "error", this.knex.raw("upload is not null as has_upload"));
    if (!r) return null;
    const rows = await this.knex("legacy_import_rows").where({ workspace_id: workspaceId, run_id: id }).orderBy("row");
    return {
      run: toRun(r),
      hasUpload: Boolean(r.has_upload),
      rows: rows.map((x) => ({ row: Number(x.row), outcome: x.outcome, code: x.code, reason: x.reason, reasonZh: x.reason_zh, orderId: x.order_id ?? null, detail: json<ImportRowRecord["detail"]>(x.detail) })),
    };
  }

  async upload(workspaceId: string, id: string): Promise<Buffer | null> {
    const r = await this.knex("legacy_import_runs").where({ workspace_id: workspaceId, id }).first("upload");
    return r?.upload ? Buffer.from(r.upload) : null;
  }
}
