import {
  changePasswordBodySchema,
  loginBodySchema,
  logoutBodySchema,
  refreshBodySchema,
  sessionResponseSchema,
  signupBodySchema,
  updateMeBodySchema,
  userSchema,
} from '@runecast/contracts';
import { z } from 'zod';
import { requestOrigin, type RouteModule } from '../api-context.ts';
import { HttpError } from '../http-errors.ts';

const tags = ['auth'];

/** Sign-up, log-in, refresh, log-out, and the caller's own account. */
export const authRoutes: RouteModule = {
  name: 'auth',
  register(app, context) {
    const { accounts } = context.auth;

    app.post(
      '/auth/signup',
      {
        config: { access: 'public', credentialLimit: true },
        schema: {
          tags,
          summary: 'Create an account (unless sign-up is turned off) and start a session',
          body: signupBodySchema,
          response: { 201: sessionResponseSchema },
        },
      },
      async (request, reply) => {
        const session = await accounts.signup(request.body, requestOrigin(request));
        return reply.code(201).send(session);
      },
    );

    app.post(
      '/auth/login',
      {
        config: { access: 'public', credentialLimit: true, allowedWhileDiskReadOnly: true },
        schema: {
          tags,
          summary: 'Log in with email and password; answers an access token and a refresh token',
          body: loginBodySchema,
          response: { 200: sessionResponseSchema },
        },
      },
      async (request) => {
        try {
          return await accounts.login(request.body, requestOrigin(request));
        } catch (error) {
          const reason = (error as { code?: string }).code ?? 'error';
          context.metrics.auth.loginFailures.inc({ reason });
          throw error;
        }
      },
    );

    app.post(
      '/auth/refresh',
      {
        config: { access: 'public', credentialLimit: true, allowedWhileDiskReadOnly: true },
        schema: {
          tags,
          summary: 'Trade a refresh token for a new pair (each refresh token works once)',
          body: refreshBodySchema,
          response: { 200: sessionResponseSchema },
        },
      },
      async (request) => accounts.refresh(request.body.refreshToken, requestOrigin(request)),
    );

    app.post(
      '/auth/logout',
      {
        config: { access: 'user', allowedWhileDiskReadOnly: true },
        schema: {
          tags,
          summary: 'End this session (or every session with allSessions)',
          body: logoutBodySchema,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        if (
          principal.kind !== 'session' &&
          !request.body?.allSessions &&
          request.body?.refreshToken === undefined
        ) {
          throw new HttpError(
            422,
            'unprocessable',
            'an API key has no session; send refreshToken or allSessions',
            {
              field: 'body.refreshToken',
            },
          );
        }
        await accounts.logout(principal, request.body ?? {});
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/auth/me',
      {
        config: { access: 'user' },
        schema: { tags, summary: 'The account of the caller', response: { 200: userSchema } },
      },
      async (request) => accounts.me(request.principal!.userId),
    );

    app.patch(
      '/auth/me',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Change email or display name',
          body: updateMeBodySchema,
          response: { 200: userSchema },
        },
      },
      async (request) => accounts.updateMe(request.principal!.userId, request.body),
    );

    app.post(
      '/auth/me/password',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Change password; every session ends and a new one starts',
          body: changePasswordBodySchema,
          response: { 200: sessionResponseSchema },
        },
      },
      async (request) => accounts.changePassword(request.principal!, request.body, requestOrigin(request)),
    );
  },
};
