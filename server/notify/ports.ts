import type {
  CreateRouteRequest, CreateTargetRequest, DeliveriesResponse, NotifyLocale, RouteView, TargetView, UpdateRouteRequest, UpdateTargetRequest,
} from "../contracts/notify.js";
import type { OpenTarget } from "./channel.js";
import type { Notice, NoticeSource, PlannedNotice, RouteRule } from "./notice.js";

/** Targets and routing rules, edited by admins (implemented by `KnexNotifyStore`). */
export interface NotifyAdminStore {
  listTargets(workspaceId: string): Promise<TargetView[]>;
  createTarget(workspaceId: string, input: CreateTargetRequest, now: Date): Promise<TargetView>;
  /** Undefined when there is no such target. */
  updateTarget(workspaceId: string, id: string, patch: UpdateTargetRequest, now: Date): Promise<TargetView | undefined>;
  deleteTarget(workspaceId: string, id: string): Promise<boolean>;
  listRoutes(workspaceId: string): Promise<RouteView[]>;
  /** Undefined when the target does not exist. */
  createRoute(workspaceId: string, input: CreateRouteRequest, now: Date): Promise<RouteView | "no_target">;
  updateRoute(workspaceId: string, id: string, patch: UpdateRouteRequest, now: Date): Promise<RouteView | "no_target" | undefined>;
  deleteRoute(workspaceId: string, id: string): Promise<boolean>;
  deliveries(workspaceId: string, q: { limit: number; before?: string; targetId?: string }): Promise<DeliveriesResponse>;
  /** Whether secrets can be stored (a secret-box key is configured). */
  canSeal(): boolean;
}

/** Notices claimed for one send to one target. */
export interface NotifyClaim {
  deliveryId: string;
  target: OpenTarget & { name: string; locale: NotifyLocale };
  items: { id: string; notice: Notice; attempts: number }[];
}

/** How a claimed send ended, for `finish`. */
export interface ClaimResult {
  outcome: "sent" | "failed" | "rate_limited";
  detail: string;
  /** The claimed items the message carried (the rest go back to wait, unchanged). */
  usedIds: string[];
  /** Failed or rate-limited: when the carried items are tried again. */
  retryAt?: Date;
  /** Rate-limited: the target waits until then. */
  holdUntil?: Date;
}

/** The outbox as the notifier job uses it. */
export interface NotifyOutbox {
  workspaces(): Promise<{ id: string; timeZone: string }[]>;
  /**
   * Looks at alerts and tasks raised since `horizon` and not looked at before, asks `plan`
   * where each goes, and queues the result — marking the sources and writing the outbox in
   * one transaction, so each raising is queued once per target across server instances.
   */
  enqueue(workspaceId: string, q: { now: Date; horizon: Date; limit: number }, plan: (sources: NoticeSource[], rules: RouteRule[]) => PlannedNotice[]): Promise<{ sources: number; queued: number }>;
  /**
   * Claims due notices of one target not in `skip` for one send: the target is free of other
   * senders, under its per-minute cap (counted over the delivery log of the last minute) and
   * not on hold; the items are leased until `leaseUntil` and a delivery row is opened. Null
   * when nothing is due.
   */
  claim(workspaceId: string, q: { now: Date; leaseUntil: Date; instance: string; skip: ReadonlySet<string>; limits: (kind: string) => { perMinute: number | null; maxBatch: number } }): Promise<NotifyClaim | null>;
  finish(workspaceId: string, claim: NotifyClaim, result: ClaimResult, now: Date): Promise<void>;
  /** Drops marks older than `seenBefore`, sent rows older than `sentBefore` and delivery log rows older than `loggedBefore`. */
  prune(workspaceId: string, q: { seenBefore: Date; sentBefore: Date; loggedBefore: Date }): Promise<void>;
}
