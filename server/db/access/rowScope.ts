import type { Knex } from "knex";
import type { RowScope } from "../../domain/access/principal.js";
import { isScoped, SCOPE_DIMENSIONS as DIMENSIONS } from "../../domain/access/rowScope.js";

export { isScoped } from "../../domain/access/rowScope.js";

/** The database role scoped callers' transactions run under; row-level security applies to it. */
export const APP_ROLE = "ordersheet_app";

/**
 * The SQL condition confining `alias`'s orders columns to `scope` (`true` when unrestricted),
 * for raw queries. The store's own filter; row-level security is the second line.
 */
export function scopeCondition(scope: RowScope | undefined, alias: string): { sql: string; bindings: string[][] } {
  if (!isScoped(scope)) return { sql: "true", bindings: [] };
  const parts: string[] = [];
  const bindings: string[][] = [];
  for (const [dim, column] of DIMENSIONS) {
    const allowed = scope[dim];
    if (allowed === undefined) continue;
    parts.push(`${alias}.${column} = any(?::text[])`);
    bindings.push(allowed);
  }
  return { sql: parts.join(" and "), bindings };
}

/** Adds the scope's conditions to a query builder over `orders` (optionally aliased). */
export function whereInScope(q: Knex.QueryBuilder, scope: RowScope | undefined, alias = "orders"): Knex.QueryBuilder {
  const c = scopeCondition(scope, alias);
  if (c.bindings.length) q.andWhereRaw(c.sql, c.bindings as unknown as readonly Knex.RawBinding[]);
  return q;
}

/**
 * Puts a transaction under the app role with the scope as transaction-local settings, so
 * row-level security confines every later statement of it — a query that forgets its
 * WHERE included. Both revert at commit or rollback. Does nothing for an unrestricted scope.
 */
export async function enterScope(trx: Knex.Transaction, scope: RowScope | undefined): Promise<void> {
  if (!isScoped(scope)) return;
  const value = (list: string[] | undefined) => (list === undefined ? "*" : `{${list.map((v) => `"${v.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`);
  await trx.raw(
    `select set_config('ordersheet.scope', 'on', true), set_config('ordersheet.regions', ?, true),
            set_config('ordersheet.warehouses', ?, true), set_config('ordersheet.channels', ?, true)`,
    [value(scope.regions), value(scope.warehouses), value(scope.channels)],
  );
  await trx.raw(`set local role ${APP_ROLE}`);
}

/**
 * Runs `fn` on the root knex when the scope restricts nothing, else inside a transaction
 * under the app role and the scope's settings (see `enterScope`). `fn` must use only the
 * handle it is given (PGlite has one connection).
 */
export async function withScope<T>(knex: Knex, scope: RowScope | undefined, fn: (db: Knex | Knex.Transaction) => Promise<T>): Promise<T> {
  if (!isScoped(scope)) return fn(knex);
  return knex.transaction(async (trx) => {
    await enterScope(trx, scope);
    return fn(trx);
  });
}

/**
 * Runs `fn` in a scoped transaction as the database's own user again, then returns to the
 * app role: for workspace-wide numbers a decision needs (guards counting related orders)
 * that must not shrink to what the caller may see. Nothing read there reaches the caller.
 */
export async function outsideScope<T>(trx: Knex.Transaction, scope: RowScope | undefined, fn: () => Promise<T>): Promise<T> {
  if (!isScoped(scope)) return fn();
  await trx.raw("reset role");
  try {
    return await fn();
  } finally {
    await trx.raw(`set local role ${APP_ROLE}`);
  }
}
