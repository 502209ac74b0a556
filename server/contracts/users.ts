import { z } from "zod";
import { Role } from "./roles.js";

/** A user name: letters, digits and `. _ @ -`, at most 64 characters. */
export const UserName = z
  .string()
  .regex(/^[\p{L}\p{N}._@-]{1,64}$/u, "a user name may only contain letters, digits and . _ @ - (1 to 64 characters)");

/** `:name` path parameter of a user. */
export const UserParams = z.object({ name: UserName }).strict();

/** `:id` path parameter of a token. */
export const TokenParams = z.object({ id: z.string().regex(/^tok_[A-Za-z0-9_-]{1,40}$/, "must be a token id like tok_AbC123 (from GET /api/tokens)") }).strict();

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
