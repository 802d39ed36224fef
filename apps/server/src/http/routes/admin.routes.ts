import {
  auditListResponseSchema,
  authSettingsSchema,
  createUserBodySchema,
  createUserResponseSchema,
  listAuditQuerySchema,
  listUsersQuerySchema,
  putSecretBodySchema,
  secretListResponseSchema,
  secretNameParamsSchema,
  updateAuthSettingsBodySchema,
  updateUserBodySchema,
  userIdParamsSchema,
  userListResponseSchema,
  userSchema,
} from '@runecast/contracts';
import { z } from 'zod';
import { requestOrigin, type RouteModule } from '../api-context.ts';

const tags = ['admin'];

/** Users, account settings, the audit log and stored secrets: admins only. */
export const adminRoutes: RouteModule = {
  name: 'admin',
  register(app, context) {
    const { accounts, audit, secrets } = context.auth;

    app.get(
      '/admin/users',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'List users',
          querystring: listUsersQuerySchema,
          response: { 200: userListResponseSchema },
        },
      },
      async (request) =>
        accounts.listUsers({
          limit: request.query.limit ?? 100,
          offset: request.query.offset ?? 0,
          search: request.query.search,
        }),
    );

    app.post(
      '/admin/users',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Create a user (with a given or a generated password)',
          body: createUserBodySchema,
          response: { 201: createUserResponseSchema },
        },
      },
      async (request, reply) => {
        const { email, password, role, displayName } = request.body;
        const created = await accounts.createUser(
          request.principal,
          { email, password, role, displayName },
          requestOrigin(request),
        );
        return reply.code(201).send(created);
      },
    );

    app.patch(
      '/admin/users/:userId',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: "Change a user's role or disable / enable them",
          params: userIdParamsSchema,
          body: updateUserBodySchema,
          response: { 200: userSchema },
        },
      },
      async (request) =>
        accounts.updateUser(request.principal!, request.params.userId, request.body, requestOrigin(request)),
    );

    app.delete(
      '/admin/users/:userId',
      {
        config: { access: 'admin' },
        schema: { tags, summary: 'Delete a user', params: userIdParamsSchema, response: { 204: z.null() } },
      },
      async (request, reply) => {
        await accounts.deleteUser(request.principal!, request.params.userId, requestOrigin(request));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/admin/settings',
      {
        config: { access: 'admin' },
        schema: { tags, summary: 'Account settings', response: { 200: authSettingsSchema } },
      },
      async () => ({
        signupEnabled: await accounts.isSignupEnabled(),
        apiKeyLifetimeDays: await context.auth.apiKeys.lifetimeDays(),
      }),
    );

    app.patch(
      '/admin/settings',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Turn sign-up on or off; set the lifetime of new API keys',
          body: updateAuthSettingsBodySchema,
          response: { 200: authSettingsSchema },
        },
      },
      async (request) => {
        const { signupEnabled, apiKeyLifetimeDays } = request.body;
        if (signupEnabled !== undefined)
          await accounts.setSignupEnabled(request.principal!, signupEnabled, requestOrigin(request));
        if (apiKeyLifetimeDays !== undefined) {
          await context.auth.apiKeys.setLifetimeDays(apiKeyLifetimeDays);
          await context.auth.audit.record({
            actor: request.principal,
            action: 'settings.update',
            target: 'api_key_lifetime_days',
            outcome: 'success',
            origin: requestOrigin(request),
            details: { apiKeyLifetimeDays },
          });
        }
        return {
          signupEnabled: await accounts.isSignupEnabled(),
          apiKeyLifetimeDays: await context.auth.apiKeys.lifetimeDays(),
        };
      },
    );

    app.get(
      '/admin/audit-log',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Audit log of admin actions and log-in failures, newest first',
          querystring: listAuditQuerySchema,
          response: { 200: auditListResponseSchema },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 100;
        const entries = await audit.list({
          limit,
          beforeId: request.query.beforeId,
          action: request.query.action,
        });
        return { entries, nextBeforeId: entries.length === limit ? (entries.at(-1)?.id ?? null) : null };
      },
    );

    app.get(
      '/admin/secrets',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Names of stored secrets (values are never returned)',
          response: { 200: secretListResponseSchema },
        },
      },
      async () => ({ secrets: await secrets.list() }),
    );

    app.put(
      '/admin/secrets/:name',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Store a secret, sealed with AES-256-GCM (exchange API keys, bot tokens, webhook URLs)',
          params: secretNameParamsSchema,
          body: putSecretBodySchema,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await secrets.put(request.params.name, request.body.value);
        await audit.record({
          actor: request.principal,
          action: 'secret.put',
          target: request.params.name,
          outcome: 'success',
          origin: requestOrigin(request),
        });
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/admin/secrets/:name',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Delete a secret',
          params: secretNameParamsSchema,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await secrets.delete(request.params.name);
        await audit.record({
          actor: request.principal,
          action: 'secret.delete',
          target: request.params.name,
          outcome: 'success',
          origin: requestOrigin(request),
        });
        return reply.code(204).send(null);
      },
    );
  },
};
