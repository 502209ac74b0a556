import { z } from "zod";
import { CHANNELS } from "../domain/channels.js";
import { Role } from "./roles.js";

/** A user name: letters, digits and `. _ @ -`, at most 64 characters. */
export const UserName = z
  .string()
  .regex(/^[\p{L}\p{N}._@-]{1,64}$/u, "a user name may only contain letters, digits and . _ @ - (1 to 64 characters)");

/** `:name` path parameter of a user. */
export const UserParams = z.object({ name: UserName }).strict();

/** `:id` path parameter of a token. */
export const TokenParams = z.object({ id: z.string().regex(/^tok_[A-Za-z0-9_-]{1,40}$/, "must be a token id like tok_AbC123 (from GET /api/tokens)") }).strict();

/** A user's row scope as shown: per dimension the values allowed, or null for every value. */
export const RowScopeView = z
  .object({
    regions: z.array(z.string()).nullable().describe("Regions whose orders the user sees; null: every region"),
    warehouses: z.array(z.string()).nullable().describe("Warehouses whose orders the user sees; null: every warehouse"),
    channels: z.array(z.string()).nullable().describe("Channels whose orders the user sees; null: every channel"),
  })
  .meta({ id: "RowScope" });
export type RowScopeView = z.infer<typeof RowScopeView>;

/** A user as admins see them (never a token). */
export const UserView = z
  .object({
    name: z.string(),
    role: Role,
    disabled: z.boolean(),
    disabledAt: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().describe("When one of the user's tokens was last accepted (accurate to about a minute)"),
    activeTokens: z.number().int().describe("Tokens neither revoked nor expired"),
    scope: RowScopeView.describe("The orders the user may see and change (row scope)"),
  })
  .meta({ id: "User" });
export type UserView = z.infer<typeof UserView>;

/** A token as admins see it: never the secret itself. */
export const TokenView = z
  .object({
    id: z.string(),
    label: z.string(),
    user: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().describe("When the token was last accepted (accurate to about a minute)"),
    active: z.boolean().describe("Neither revoked nor expired (a disabled user's tokens are refused all the same)"),
  })
  .meta({ id: "Token" });
export type TokenView = z.infer<typeof TokenView>;

/** `GET /api/users` response. */
export const UsersResponse = z.object({ users: z.array(UserView) }).meta({ id: "Users" });

/** `GET /api/tokens` query. */
export const TokensQuery = z
  .object({
    user: UserName.optional(),
    active: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).optional(),
  })
  .strict();

/** `GET /api/tokens` response. */
export const TokensResponse = z.object({ tokens: z.array(TokenView) }).meta({ id: "Tokens" });

/** `PUT /api/users/:name/role` body. */
export const ChangeRoleRequest = z.object({ role: Role }).strict().meta({ id: "ChangeRoleRequest" });

/** Values of one scope dimension: up to 500 distinct non-blank names; null or absent means every value. */
function scopeValues<T extends z.ZodType<string>>(what: string, value: T) {
  return z
    .array(value, { error: `${what} must be a list of names, or null for every ${what.replace(/s$/, "")}` })
    .max(500, `at most 500 ${what}`)
    .refine((list) => new Set(list).size === list.length, `${what} must not name the same value twice`)
    .nullable()
    .optional();
}

const ScopeName = z.string().min(1, "must not be empty").max(100, "must be at most 100 characters").regex(/^\S(.*\S)?$/su, "must not start or end with a space");

/**
 * `PUT /api/users/:name/scope` body: the regions, warehouses and channels whose orders the
 * user may see and change. A dimension that is null or absent is unrestricted; an empty list
 * lets the user see no order at all.
 */
export const ChangeScopeRequest = z
  .object({
    regions: scopeValues("regions", ScopeName).describe("e.g. [\"华东\"]; null or absent: every region"),
    warehouses: scopeValues("warehouses", ScopeName).describe("e.g. [\"WH-SH\"]; null or absent: every warehouse"),
    channels: scopeValues("channels", z.enum(CHANNELS as [string, ...string[]], { error: `must be a channel name: ${CHANNELS.join(", ")}` })).describe("e.g. [\"taobao\"]; null or absent: every channel"),
  })
  .strict()
  .meta({ id: "ChangeScopeRequest" });
export type ChangeScopeRequest = z.infer<typeof ChangeScopeRequest>;

/** `POST /api/tokens/rotate` body: rotating revokes the token in use, so it must be asked for explicitly. */
export const RotateTokenRequest = z
  .object({
    confirm: z.literal(true, { error: "confirm must be true: rotating revokes the token you are using now and answers a new one, shown once" }),
    label: z.string().max(200).optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .meta({ id: "RotateTokenRequest" });

/** `POST /api/tokens/rotate` response: the new token, shown this once. */
export const RotateTokenResponse = z
  .object({ token: z.string(), tokenId: z.string(), revokedTokenId: z.string(), user: z.string(), role: Role, expiresAt: z.string().nullable() })
  .meta({ id: "RotatedToken" });
