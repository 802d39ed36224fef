import { z } from 'zod';
import { safeText } from '../common.schema.ts';
import { timeBodySchema, uuidSchema, integerQuerySchema } from './common.schema.ts';

export const userRoles = ['admin', 'user'] as const;
export const userRoleSchema = z.enum(userRoles, { error: 'must be admin or user' });
export type UserRole = z.infer<typeof userRoleSchema>;

/** Emails are compared without regard to case and surrounding spaces. */
export const emailSchema = safeText()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ error: 'must be an email address' }));

export const minimumPasswordLength = 10;
/** Long enough for any passphrase, short enough that hashing it cannot be used to load the server. */
export const maximumPasswordLength = 256;

export const passwordSchema = safeText()
  .min(minimumPasswordLength, `must be at least ${minimumPasswordLength} characters`)
  .max(maximumPasswordLength, `must be at most ${maximumPasswordLength} characters`);

export const displayNameSchema = safeText().trim().min(1).max(100);

export const userSchema = z
  .object({
    id: uuidSchema,
    email: z.string(),
    displayName: z.string().nullable(),
    role: userRoleSchema,
    disabled: z.boolean(),
    createdAtMs: z.int(),
    lastLoginAtMs: z.int().nullable(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const signupBodySchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  displayName: displayNameSchema.optional(),
});
export type SignupBody = z.infer<typeof signupBodySchema>;

export const loginBodySchema = z.strictObject({
  email: emailSchema,
  // Any length is accepted here up to the maximum, so old short passwords can still log in.
  password: safeText().min(1, 'must not be empty').max(maximumPasswordLength),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

/** Access token (JWT, short-lived) and refresh token (opaque, single use, rotated on refresh). */
export const tokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    accessTokenExpiresAtMs: z.int(),
    refreshTokenExpiresAtMs: z.int(),
  })
  .meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const sessionResponseSchema = tokenPairSchema.extend({ user: userSchema });
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

export const refreshBodySchema = z.strictObject({
  refreshToken: safeText().min(1, 'must not be empty').max(200),
});

export const logoutBodySchema = z
  .strictObject({
    refreshToken: safeText().min(1).max(200).optional(),
    /** End every session of this user, not only the current one. */
    allSessions: z.boolean().optional(),
    /** With allSessions: revoke every API key of this user too (default false). */
    revokeApiKeys: z.boolean().optional(),
  })
  .optional();

export const updateMeBodySchema = z
  .strictObject({
    email: emailSchema.optional(),
    displayName: displayNameSchema.nullable().optional(),
  })
  .refine((body) => body.email !== undefined || body.displayName !== undefined, {
    message: 'give email or displayName',
  });

export const changePasswordBodySchema = z.strictObject({
  currentPassword: safeText().min(1, 'must not be empty').max(maximumPasswordLength),
  newPassword: passwordSchema,
  /** Revoke every API key of this user too (default true: whoever knew the old password may hold one). */
  revokeApiKeys: z.boolean().optional(),
});

// --- administration ---------------------------------------------------------------------

export const userIdParamsSchema = z.strictObject({ userId: uuidSchema });

export const listUsersQuerySchema = z.strictObject({
  limit: integerQuerySchema({ min: 1, max: 500 }).optional(),
  offset: integerQuerySchema({ min: 0, max: 1_000_000 }).optional(),
  search: safeText().max(100).optional(),
});

export const userListResponseSchema = z.object({ users: z.array(userSchema), total: z.int() });

export const createUserBodySchema = z
  .strictObject({
    email: emailSchema,
    password: passwordSchema.optional(),
    /** Generate a strong password and return it once in the answer. */
    generatePassword: z.boolean().optional(),
    role: userRoleSchema.default('user'),
    displayName: displayNameSchema.optional(),
  })
  .refine((body) => (body.password !== undefined) !== (body.generatePassword === true), {
    message: 'give either password or generatePassword: true',
    path: ['password'],
  });

export const createUserResponseSchema = z.object({
  user: userSchema,
  /** Only when the password was generated; it is never shown again. */
  generatedPassword: z.string().nullable(),
});

export const updateUserBodySchema = z
  .strictObject({
    role: userRoleSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((body) => body.role !== undefined || body.disabled !== undefined, {
    message: 'give role or disabled',
  });

export const apiKeyLifetimeDaysSchema = z.int().min(1).max(3650);

export const authSettingsSchema = z.object({
  signupEnabled: z.boolean(),
  /** Days a new API key lives at most (and by default). */
  apiKeyLifetimeDays: apiKeyLifetimeDaysSchema,
});
export const updateAuthSettingsBodySchema = z
  .strictObject({
    signupEnabled: z.boolean().optional(),
    apiKeyLifetimeDays: apiKeyLifetimeDaysSchema.optional(),
  })
  .refine((body) => body.signupEnabled !== undefined || body.apiKeyLifetimeDays !== undefined, {
    message: 'give signupEnabled or apiKeyLifetimeDays',
  });

export const auditEntrySchema = z.object({
  id: z.int(),
  timeMs: z.int(),
  actorUserId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  /** The account's email when `target` is an account id. */
  targetEmail: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const listAuditQuerySchema = z.strictObject({
  limit: integerQuerySchema({ min: 1, max: 1000 }).optional(),
  beforeId: integerQuerySchema({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
  action: safeText().max(100).optional(),
});
export const auditListResponseSchema = z.object({
  entries: z.array(auditEntrySchema),
  nextBeforeId: z.int().nullable(),
});

// --- API keys --------------------------------------------------------------------------

export const apiKeyScopes = ['read', 'read-write'] as const;
export const apiKeyScopeSchema = z.enum(apiKeyScopes, { error: 'must be read or read-write' });
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: apiKeyScopeSchema,
    /** The start of the key, to recognise it; the rest is never shown again. */
    prefix: z.string(),
    createdAtMs: z.int(),
    expiresAtMs: z.int().nullable(),
    lastUsedAtMs: z.int().nullable(),
    /** Address of the request that last used the key. */
    lastUsedIp: z.string().nullable(),
    revokedAtMs: z.int().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createApiKeyBodySchema = z.strictObject({
  name: safeText().trim().min(1, 'must not be empty').max(100),
  scope: apiKeyScopeSchema.default('read-write'),
  /** When the key stops working: at most the lifetime admins set ahead (default 90 days), which is also the default. */
  expiresAt: timeBodySchema.optional(),
});

export const createApiKeyResponseSchema = z.object({
  apiKey: apiKeySchema,
  /** The whole key. Shown once: only its hash is stored. */
  key: z.string(),
});

export const apiKeyListResponseSchema = z.object({ apiKeys: z.array(apiKeySchema) });
export const apiKeyIdParamsSchema = z.strictObject({
  keyId: z.string().regex(/^[a-z0-9]{12}$/, 'must be a key id (12 lower-case letters and digits)'),
});

// --- secrets ---------------------------------------------------------------------------

export const secretNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,99}$/,
    'must be lower-case letters, digits, ".", "_" or "-" (up to 100), e.g. binance.api-key',
  );
export const secretNameParamsSchema = z.strictObject({ name: secretNameSchema });
export const putSecretBodySchema = z.strictObject({
  value: safeText({ multiline: true }).min(1, 'must not be empty').max(8192),
});
export const secretInfoSchema = z.object({ name: z.string(), createdAtMs: z.int(), updatedAtMs: z.int() });
export const secretListResponseSchema = z.object({ secrets: z.array(secretInfoSchema) });
