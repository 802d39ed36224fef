import { userPreferencesResponseSchema, userPreferencesSchema } from '@runecast/contracts';
import type { RouteModule } from '../api-context.ts';

const tags = ['account'];

/**
 * The caller's workspace (watchlist, defaults, chart settings, time zone, overview layout),
 * saved on the server so it follows them from browser to browser. Only its owner reads or
 * writes it.
 */
export const preferenceRoutes: RouteModule = {
  name: 'preferences',
  register(app, context) {
    const { store, now } = context;

    const read = async (userId: string) => {
      const stored = await store.preferences.get(userId);
      // Saved by an older version, or defaults: parsing fills what is missing.
      const parsed = userPreferencesSchema.safeParse(stored?.preferences ?? {});
      const preferences = parsed.success ? parsed.data : userPreferencesSchema.parse({});
      return { ...preferences, updatedAtMs: stored?.updatedAtMs ?? null };
    };

    app.get(
      '/me/preferences',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Your saved workspace, or the defaults when you have saved none',
          response: { 200: userPreferencesResponseSchema },
        },
      },
      async (request) => read(request.principal!.userId),
    );

    app.put(
      '/me/preferences',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Save your workspace (fields left out take their defaults)',
          body: userPreferencesSchema,
          response: { 200: userPreferencesResponseSchema },
        },
      },
      async (request) => {
        const userId = request.principal!.userId;
        await store.preferences.put(userId, request.body, now());
        return read(userId);
      },
    );
  },
};
