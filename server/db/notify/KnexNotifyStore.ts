import type { Knex } from "knex";
import {
  RouteMatch, type CreateRouteRequest, type CreateTargetRequest, type DeliveriesResponse, type NotifyKind, type NotifyLocale, type RouteView, type TargetView,
  type TencentSmsSettings, type UpdateRouteRequest, type UpdateTargetRequest,
} from "../../contracts/notify.js";
import { ConflictError, InputError } from "../../domain/errors.js";
import type { SecretBox } from "../../crypto/secretBox.js";
import type { Notice, NoticeHistoryEntry, NoticeSource, PlannedNotice, RouteRule } from "../../notify/notice.js";
import type { ClaimResult, NotifyAdminStore, NotifyClaim, NotifyOutbox } from "../../notify/ports.js";

/** What a target keeps sealed. */
interface Sealed {
  webhookUrl?: string;
  secret?: string;
  sms?: TencentSmsSettings;
}

const TARGET_COLUMNS = ["id", "name", "kind", "locale", "enabled", "webhook_host", "signed", "phone", "hold_until", "created_at", "updated_at"];
const ROUTE_COLUMNS = ["id", "name", "match", "target_id", "enabled", "created_at", "updated_at"];
const HISTORY_ENTRIES = 8;

const iso = (v: unknown): string => new Date(v as string).toISOString();
const isoOrNull = (v: unknown): string | null => (v ? iso(v) : null);

/** `+8613812345678` → `+86138****5678`; `customer` as it is. */
function maskPhone(p: string | null): string | null {
  if (!p || p === "customer") return p;
  return p.length <= 8 ? `${p.slice(0, 3)}****` : `${p.slice(0, p.length - 8)}****${p.slice(-4)}`;
}

function rowToTarget(r: Record<string, any>): TargetView {
  return {
    id: String(r.id),
    name: r.name,
    kind: r.kind,
    locale: r.locale,
    enabled: !!r.enabled,
    webhookHost: r.webhook_host ?? null,
    signed: !!r.signed,
    phone: maskPhone(r.phone ?? null),
    holdUntil: isoOrNull(r.hold_until),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function rowToRoute(r: Record<string, any>): RouteView {
  return { id: String(r.id), name: r.name, match: RouteMatch.parse(r.match), targetId: String(r.target_id), enabled: !!r.enabled, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) };
}

function hostOf(url: string | undefined): string | null {
  return url ? new URL(url).host : null;
}

/** The clock start a timer alert's key ends with (`timer:<id>|<level>|<epoch ms>`), else null. */
function timerStart(key: string): string | null {
  const m = /\|(\d{10,15})$/.exec(key);
  return m ? new Date(Number(m[1])).toISOString() : null;
}

function shortValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/**
 * Notification targets, routing rules, the outbox and the delivery log in the database.
 * Secrets (webhook URLs carry keys and tokens; signing secrets; SMS accounts) are sealed
 * with the secret box before they are written and opened only to send.
 */
export class KnexNotifyStore implements NotifyAdminStore, NotifyOutbox {
  constructor(
    private readonly knex: Knex,
    private readonly box: SecretBox | undefined,
  ) {}

  canSeal(): boolean {
    return this.box !== undefined;
  }

  private context(workspaceId: string): string {
    return `notify-target:${workspaceId}`;
  }

  private seal(workspaceId: string, s: Sealed): string {
    if (!this.box) throw new ConflictError("notification secrets cannot be stored: the server has no secret key (set ORDERSHEET_SECRET_KEY)");
    return this.box.seal(JSON.stringify(s), this.context(workspaceId));
  }

  private open(workspaceId: string, sealed: string): Sealed {
    if (!this.box) throw new Error("no secret key to open notification secrets");
    return JSON.parse(this.box.open(sealed, this.context(workspaceId))) as Sealed;
  }

  async listTargets(workspaceId: string): Promise<TargetView[]> {
    const rows = await this.knex("notify_targets").where("workspace_id", workspaceId).orderBy("id").select(TARGET_COLUMNS);
    return rows.map(rowToTarget);
  }

  async createTarget(workspaceId: string, t: CreateTargetRequest, now: Date): Promise<TargetView> {
    const sealed = this.seal(workspaceId, { webhookUrl: t.webhookUrl, secret: t.secret, sms: t.sms });
    const [row] = await this.knex("notify_targets")
      .insert({
        workspace_id: workspaceId,
        name: t.name,
        kind: t.kind,
        locale: t.locale,
        enabled: t.enabled,
        sealed,
        webhook_host: t.kind === "sms" ? hostOf(t.sms?.endpoint) : hostOf(t.webhookUrl),
        signed: !!t.secret,
        phone: t.phone ?? null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .returning(TARGET_COLUMNS);
    return rowToTarget(row);
  }

  async updateTarget(workspaceId: string, id: string, p: UpdateTargetRequest, now: Date): Promise<TargetView | undefined> {
    return this.knex.transaction(async (trx) => {
      const cur = await trx("notify_targets").where({ workspace_id: workspaceId, id }).forUpdate().first("kind", "sealed");
      if (!cur) return undefined;
      const kind = cur.kind as NotifyKind;
      const sms = kind === "sms";
      const changes: Record<string, unknown> = { updated_at: now.toISOString() };
      if (p.name !== undefined) changes.name = p.name;
      if (p.locale !== undefined) changes.locale = p.locale;
      if (p.enabled !== undefined) changes.enabled = p.enabled;
      if (p.phone !== undefined) {
        if (!sms) throw fieldError("phone", `phone is only for kind sms, not ${kind}`);
        changes.phone = p.phone;
      }
      if (p.webhookUrl !== undefined || p.secret !== undefined || p.sms !== undefined) {
        if (sms && (p.webhookUrl !== undefined || p.secret !== undefined)) throw fieldError(p.webhookUrl !== undefined ? "webhookUrl" : "secret", "webhookUrl and secret are for robots, not sms");
        if (!sms && p.sms !== undefined) throw fieldError("sms", `sms is only for kind sms, not ${kind}`);
        if (kind === "wecom" && p.secret) throw fieldError("secret", "a WeCom group robot has no signing secret");
        const s = this.open(workspaceId, cur.sealed);
        if (p.webhookUrl !== undefined) s.webhookUrl = p.webhookUrl;
        if (p.secret !== undefined) s.secret = p.secret ?? undefined;
        if (p.sms !== undefined) s.sms = p.sms;
        changes.sealed = this.seal(workspaceId, s);
        changes.webhook_host = sms ? hostOf(s.sms?.endpoint) : hostOf(s.webhookUrl);
        changes.signed = !!s.secret;
      }
      const [row] = await trx("notify_targets").where({ workspace_id: workspaceId, id }).update(changes).returning(TARGET_COLUMNS);
      return rowToTarget(row);
    });
  }

  async deleteTarget(workspaceId: string, id: string): Promise<boolean> {
    return (await this.knex("notify_targets").where({ workspace_id: workspaceId, id }).del().returning(["id"])).length > 0;
  }

  async listRoutes(workspaceId: string): Promise<RouteView[]> {
    const rows = await this.knex("notify_routes").where("workspace_id", workspaceId).orderBy("id").select(ROUTE_COLUMNS);
    return rows.map(rowToRoute);
  }

  async createRoute(workspaceId: string, r: CreateRouteRequest, now: Date): Promise<RouteView | "no_target"> {
    return this.knex.transaction(async (trx) => {
      const target = await trx("notify_targets").where({ workspace_id: workspaceId, id: r.targetId }).forShare().first("id");
      if (!target) return "no_target" as const;
      const [row] = await trx("notify_routes")
        .insert({ workspace_id: workspaceId, name: r.name, match: JSON.stringify(r.match), target_id: r.targetId, enabled: r.enabled, created_at: now.toISOString(), updated_at: now.toISOString() })
        .returning(ROUTE_COLUMNS);
      return rowToRoute(row);
    });
  }

  async updateRoute(workspaceId: string, id: string, p: UpdateRouteRequest, now: Date): Promise<RouteView | "no_target" | undefined> {
    return this.knex.transaction(async (trx) => {
      const cur = await trx("notify_routes").where({ workspace_id: workspaceId, id }).forUpdate().first("id");
      if (!cur) return undefined;
      if (p.targetId !== undefined && !(await trx("notify_targets").where({ workspace_id: workspaceId, id: p.targetId }).forShare().first("id"))) return "no_target" as const;
      const changes: Record<string, unknown> = { updated_at: now.toISOString() };
      if (p.name !== undefined) changes.name = p.name;
      if (p.match !== undefined) changes.match = JSON.stringify(p.match);
      if (p.targetId !== undefined) changes.target_id = p.targetId;
      if (p.enabled !== undefined) changes.enabled = p.enabled;
      const [row] = await trx("notify_routes").where({ workspace_id: workspaceId, id }).update(changes).returning(ROUTE_COLUMNS);
      return rowToRoute(row);
    });
  }

  async deleteRoute(workspaceId: string, id: string): Promise<boolean> {
    return (await this.knex("notify_routes").where({ workspace_id: workspaceId, id }).del().returning(["id"])).length > 0;
  }

  async deliveries(workspaceId: string, q: { limit: number; before?: string; targetId?: string }): Promise<DeliveriesResponse> {
    const rows = await this.knex("notify_deliveries")
      .where("workspace_id", workspaceId)
      .modify((b) => {
        if (q.before) b.andWhere("id", "<", q.before);
        if (q.targetId) b.andWhere("target_id", q.targetId);
      })
      .orderBy("id", "desc")
      .limit(q.limit)
      .select("id", "at", "target_id", "target_name", "kind", "outcome", "items", "detail");
    const counts = (await this.knex("notify_outbox")
      .where("workspace_id", workspaceId)
      .whereIn("status", ["pending", "undeliverable"])
      .groupBy("status")
      .select("status", this.knex.raw("count(*) as n"))) as { status: string; n: number | string }[];
    const count = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
    return {
      deliveries: rows.map((r: Record<string, any>) => ({ id: String(r.id), at: iso(r.at), targetId: String(r.target_id), targetName: r.target_name, kind: r.kind, outcome: r.outcome, items: Number(r.items), detail: r.detail })),
      pending: count("pending"),
      undeliverable: count("undeliverable"),
    };
  }

  async workspaces(): Promise<{ id: string; timeZone: string }[]> {
    const rows = await this.knex("workspaces").orderBy("id").select("id", "time_zone");
    return rows.map((r) => ({ id: r.id as string, timeZone: r.time_zone as string }));
  }

  async enqueue(
    workspaceId: string,
    q: { now: Date; horizon: Date; limit: number },
    plan: (sources: NoticeSource[], rules: RouteRule[]) => PlannedNotice[],
  ): Promise<{ sources: number; queued: number }> {
    const ruleRows = await this.knex("notify_routes as r")
      .join("notify_targets as t", function () {
        this.on("t.workspace_id", "r.workspace_id").andOn("t.id", "r.target_id");
      })
      .where({ "r.workspace_id": workspaceId, "r.enabled": true, "t.enabled": true })
      .orderBy("r.id")
      .select("r.id", "r.match", "r.target_id", "t.kind", "t.phone");
    // With no rule, nothing is marked: a rule added later still finds the recent ones.
    if (ruleRows.length === 0) return { sources: 0, queued: 0 };
    const rules: RouteRule[] = ruleRows.map((r) => ({ id: String(r.id), match: RouteMatch.parse(r.match), targetId: String(r.target_id), targetKind: r.kind, targetPhone: r.phone ?? null }));
    const nowIso = q.now.toISOString();
    return this.knex.transaction(async (trx) => {
      const orderCols = "o.id as order_id, o.external_order_id, o.channel, o.region, o.warehouse, o.status, o.customer_phone";
      const alerts = (
        await trx.raw(
          `select a.id, a.key, a.level, a.message, a.notify, a.raised_at, ${orderCols},
                  a.id::text || '@' || (extract(epoch from a.raised_at) * 1000)::bigint::text as ref
             from alerts a join orders o on o.workspace_id = a.workspace_id and o.id = a.order_id
            where a.workspace_id = ? and a.cleared_at is null and a.raised_at >= ?::timestamptz
              and not exists (select 1 from notify_seen s where s.workspace_id = a.workspace_id and s.source_kind = 'alert'
                                 and s.source_ref = a.id::text || '@' || (extract(epoch from a.raised_at) * 1000)::bigint::text)
            order by a.id limit ?`,
          [workspaceId, q.horizon.toISOString(), q.limit],
        )
      ).rows as Record<string, any>[];
      const tasks = (
        await trx.raw(
          `select t.id, t.key, t.assignee, t.message, t.created_at, ${orderCols}
             from tasks t join orders o on o.workspace_id = t.workspace_id and o.id = t.order_id
            where t.workspace_id = ? and t.done_at is null and t.created_at >= ?::timestamptz
              and not exists (select 1 from notify_seen s where s.workspace_id = t.workspace_id and s.source_kind = 'task' and s.source_ref = t.id::text)
            order by t.id limit ?`,
          [workspaceId, q.horizon.toISOString(), q.limit],
        )
      ).rows as Record<string, any>[];
      if (alerts.length === 0 && tasks.length === 0) return { sources: 0, queued: 0 };

      const history = await this.histories(trx, workspaceId, [...new Set(tasks.map((t) => t.order_id as string))]);
      const base = (r: Record<string, any>) => ({
        orderId: r.order_id,
        externalOrderId: r.external_order_id ?? null,
        channel: r.channel ?? null,
        region: r.region ?? null,
        warehouse: r.warehouse ?? null,
        status: r.status ?? null,
      });
      const sources: NoticeSource[] = [
        ...alerts.map((a): NoticeSource => {
          const notice: Notice = { kind: "alert", level: a.level, message: a.message, audience: a.notify ?? null, ...base(a), since: timerStart(String(a.key)) ?? iso(a.raised_at), raisedAt: iso(a.raised_at) };
          return { sourceKind: "alert", sourceRef: String(a.ref), notice, customerPhone: a.customer_phone ?? null };
        }),
        ...tasks.map((t): NoticeSource => {
          const notice: Notice = { kind: "task", level: null, message: t.message, audience: t.assignee, ...base(t), since: timerStart(String(t.key)) ?? iso(t.created_at), raisedAt: iso(t.created_at), history: history.get(t.order_id) ?? [] };
          return { sourceKind: "task", sourceRef: String(t.id), notice, customerPhone: t.customer_phone ?? null };
        }),
      ];
      // Mark first: the instance whose marks land queues; a concurrent one waits on the key and then finds them taken.
      const marked = (
        await trx.raw(
          `insert into notify_seen (workspace_id, source_kind, source_ref, seen_at)
           select ?, u.kind, u.ref, ?::timestamptz from unnest(?::text[], ?::text[]) as u(kind, ref)
           on conflict do nothing returning source_kind, source_ref`,
          [workspaceId, nowIso, sources.map((s) => s.sourceKind), sources.map((s) => s.sourceRef)],
        )
      ).rows as { source_kind: string; source_ref: string }[];
      const mine = new Set(marked.map((m) => `${m.source_kind}:${m.source_ref}`));
      const planned = plan(sources.filter((s) => mine.has(`${s.sourceKind}:${s.sourceRef}`)), rules);
      if (planned.length) {
        await trx("notify_outbox")
          .insert(
            planned.map((p) => ({
              workspace_id: workspaceId,
              target_id: p.targetId,
              source_kind: p.sourceKind,
              source_ref: p.sourceRef,
              order_id: p.notice.orderId,
              notice: JSON.stringify(p.notice),
              status: p.undeliverable ? "undeliverable" : "pending",
              last_error: p.undeliverable ?? null,
              next_at: nowIso,
              created_at: nowIso,
            })),
          )
          .onConflict(["workspace_id", "source_kind", "source_ref", "target_id"])
          .ignore();
      }
      return { sources: mine.size, queued: planned.filter((p) => !p.undeliverable).length };
    });
  }

  /** The latest entries of each order's audit trail (clock resets left out), oldest first. */
  private async histories(trx: Knex.Transaction, workspaceId: string, orderIds: string[]): Promise<Map<string, NoticeHistoryEntry[]>> {
    const out = new Map<string, NoticeHistoryEntry[]>();
    if (orderIds.length === 0) return out;
    const rows = (
      await trx.raw(
        `select u.id as order_id, h.at, h.action, h.field, h.new_value, h.seq
           from unnest(?::text[]) as u(id)
           cross join lateral (select at, action, field, new_value, seq from audit_log
                                where workspace_id = ? and order_id = u.id and (field is null or field <> 'statusSince')
                                order by seq desc limit ${HISTORY_ENTRIES}) h
          order by u.id, h.seq`,
        [orderIds, workspaceId],
      )
    ).rows as Record<string, any>[];
    for (const r of rows) {
      let list = out.get(r.order_id);
      if (!list) out.set(r.order_id, (list = []));
      list.push({ at: iso(r.at), action: r.action, field: r.field ?? null, value: shortValue(r.new_value) });
    }
    return out;
  }

  async claim(
    workspaceId: string,
    q: { now: Date; leaseUntil: Date; instance: string; skip: ReadonlySet<string>; limits: (kind: string) => { perMinute: number | null; maxBatch: number } },
  ): Promise<NotifyClaim | null> {
    const nowIso = q.now.toISOString();
    const due = (
      await this.knex.raw(
        `select o.target_id, t.kind from notify_outbox o
           join notify_targets t on t.workspace_id = o.workspace_id and t.id = o.target_id
          where o.workspace_id = ? and o.status = 'pending' and o.next_at <= ?::timestamptz
            and (o.lease_until is null or o.lease_until <= ?::timestamptz)
            and t.enabled and (t.hold_until is null or t.hold_until <= ?::timestamptz)
            and not (o.target_id = any(?::bigint[]))
          group by o.target_id, t.kind order by min(o.id) limit 20`,
        [workspaceId, nowIso, nowIso, nowIso, [...q.skip]],
      )
    ).rows as { target_id: string; kind: string }[];
    for (const d of due) {
      const targetId = String(d.target_id);
      const limits = q.limits(d.kind);
      const claim = await this.knex.transaction(async (trx) => {
        const locked = (await trx.raw("select pg_try_advisory_xact_lock(hashtext(?)) as ok", [`ordersheet.notify:${workspaceId}:${targetId}`])).rows[0]?.ok;
        if (!locked) return null;
        if (limits.perMinute !== null) {
          const recent = await trx("notify_deliveries")
            .where({ workspace_id: workspaceId, target_id: targetId })
            .andWhere("at", ">", new Date(q.now.getTime() - 60_000).toISOString())
            .count({ n: "*" })
            .first();
          if (Number(recent?.n ?? 0) >= limits.perMinute) return null;
        }
        const target = await trx("notify_targets").where({ workspace_id: workspaceId, id: targetId }).first("id", "name", "kind", "locale", "sealed", "enabled");
        if (!target?.enabled) return null;
        const items = (
          await trx.raw(
            `select id, notice, attempts from notify_outbox
              where workspace_id = ? and target_id = ? and status = 'pending' and next_at <= ?::timestamptz
                and (lease_until is null or lease_until <= ?::timestamptz)
              order by id limit ? for update skip locked`,
            [workspaceId, targetId, nowIso, nowIso, limits.maxBatch],
          )
        ).rows as Record<string, any>[];
        if (items.length === 0) return null;
        const ids = items.map((i) => String(i.id));
        await trx("notify_outbox").where("workspace_id", workspaceId).whereIn("id", ids).update({ lease_until: q.leaseUntil.toISOString(), lease_by: q.instance });
        const [delivery] = await trx("notify_deliveries")
          .insert({ workspace_id: workspaceId, target_id: targetId, target_name: target.name, kind: target.kind, at: nowIso, outcome: "sending", items: ids.length, detail: "" })
          .returning(["id"]);
        const s = this.open(workspaceId, target.sealed);
        const result: NotifyClaim = {
          deliveryId: String(delivery.id),
          target: { id: targetId, kind: target.kind, name: target.name, locale: target.locale as NotifyLocale, webhookUrl: s.webhookUrl, secret: s.secret, sms: s.sms },
          items: items.map((i) => ({ id: String(i.id), notice: (typeof i.notice === "string" ? JSON.parse(i.notice) : i.notice) as Notice, attempts: Number(i.attempts) })),
        };
        return result;
      });
      if (claim) return claim;
    }
    return null;
  }

  async prune(workspaceId: string, q: { seenBefore: Date; sentBefore: Date; loggedBefore: Date }): Promise<void> {
    await this.knex("notify_seen").where("workspace_id", workspaceId).andWhere("seen_at", "<", q.seenBefore.toISOString()).del();
    await this.knex("notify_outbox").where({ workspace_id: workspaceId, status: "sent" }).andWhere("sent_at", "<", q.sentBefore.toISOString()).del();
    await this.knex("notify_deliveries").where("workspace_id", workspaceId).andWhere("at", "<", q.loggedBefore.toISOString()).del();
  }

  async finish(workspaceId: string, claim: NotifyClaim, r: ClaimResult, now: Date): Promise<void> {
    const nowIso = now.toISOString();
    const used = new Set(r.usedIds);
    const rest = claim.items.map((i) => i.id).filter((id) => !used.has(id));
    await this.knex.transaction(async (trx) => {
      if (r.outcome === "sent") {
        await trx("notify_outbox")
          .where("workspace_id", workspaceId)
          .whereIn("id", r.usedIds)
          .update({ status: "sent", sent_at: nowIso, delivery_id: claim.deliveryId, attempts: trx.raw("attempts + 1"), lease_until: null, lease_by: null, last_error: null });
      } else {
        await trx("notify_outbox")
          .where("workspace_id", workspaceId)
          .whereIn("id", r.usedIds)
          .update({ attempts: trx.raw("attempts + 1"), next_at: (r.retryAt ?? now).toISOString(), lease_until: null, lease_by: null, last_error: r.detail, delivery_id: claim.deliveryId });
      }
      if (rest.length) await trx("notify_outbox").where("workspace_id", workspaceId).whereIn("id", rest).update({ lease_until: null, lease_by: null });
      await trx("notify_deliveries").where({ workspace_id: workspaceId, id: claim.deliveryId }).update({ outcome: r.outcome, items: r.usedIds.length, detail: r.detail.slice(0, 300) });
      if (r.holdUntil) await trx("notify_targets").where({ workspace_id: workspaceId, id: claim.target.id }).update({ hold_until: r.holdUntil.toISOString() });
    });
  }
}

/** A field of a change that does not fit the target's kind (answered 400, naming the field). */
function fieldError(field: string, message: string): InputError {
  return new InputError(`invalid body: ${field}: ${message}`, { problems: [{ path: field, message }] });
}
