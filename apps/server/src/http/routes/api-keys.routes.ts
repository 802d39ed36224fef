import {
  apiKeyIdParamsSchema,
  apiKeyListResponseSchema,
  createApiKeyBodySchema,
  createApiKeyResponseSchema,
} from '@runecast/contracts';
import { z } from 'zod';
import type { RouteModule } from '../api-context.ts';

const tags = ['api-keys'];

/** The caller's own API keys. */
export const apiKeyRoutes: RouteModule = {
  name: 'api-keys',
  register(app, context) {
    const { apiKeys } = context.auth;

    app.get(
      '/api-keys',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Your API keys (never their secrets)',
          response: { 200: apiKeyListResponseSchema },
        },
      },
      async (request) => ({ apiKeys: await apiKeys.list(request.principal!.userId) }),
    );

    app.post(
      '/api-keys',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Create an API key (logged in, not with a key); the key is in this answer only. It expires after at most the lifetime admins set (default 90 days)',
          body: createApiKeyBodySchema,
          response: { 201: createApiKeyResponseSchema },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        const created = await apiKeys.create(
          principal.userId,
          { name: request.body.name, scope: request.body.scope, expiresAtMs: request.body.expiresAt },
          { viaApiKey: principal.kind === 'api-key' },
        );
        return reply.code(201).send(created);
      },
    );

    app.delete(
      '/api-keys/:keyId',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Revoke one of your API keys',
          params: apiKeyIdParamsSchema,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await apiKeys.revoke(request.principal!.userId, request.params.keyId);
        return reply.code(204).send(null);
      },
    );
  },
};
