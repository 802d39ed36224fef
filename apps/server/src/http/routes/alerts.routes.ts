import {
  alertChannelDigestSettingBodySchema,
  alertChannelListResponseSchema,
  alertChannelModesBodySchema,
  alertChannelSchema,
  alertDeliveryListResponseSchema,
  alertDeliverySchema,
  alertDeliveryStates,
  alertDigestListQuerySchema,
  alertDigestListResponseSchema,
  alertEventActionBodySchema,
  alertEventSchema,
  alertHistoryQuerySchema,
  alertHistoryResponseSchema,
  alertIdParamsSchema,
  alertRuleBodySchema,
  alertRuleListResponseSchema,
  alertRulePreviewResponseSchema,
  alertRuleSchema,
  alertTestResponseSchema,
  createAlertChannelBodySchema,
  createAlertChannelResponseSchema,
  integerQuerySchema,
  noContentSchema,
} from '@runecast/contracts';
import { z } from 'zod';
import type { RouteModule } from '../api-context.ts';

const tags = ['alerts'];

const deliveryQuerySchema = z.strictObject({
  state: z
    .enum(alertDeliveryStates, { error: `must be one of ${alertDeliveryStates.join(', ')}` })
    .optional(),
  limit: integerQuerySchema({ min: 1, max: 500 }).default(100),
});

/**
 * Alerts: the caller's notification channels, rules, the history of firings (acknowledge,
 * snooze, resolve) and deliveries (dead letters replayed). Another user's object answers 404.
 */
export const alertRoutes: RouteModule = {
  name: 'alerts',
  register(app, context) {
    const { alerts } = context;

    app.post(
      '/alerts/channels',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Create a notification channel (webhook, Discord, Slack, Telegram); a webhook's signing secret is in this answer only",
          body: createAlertChannelBodySchema,
          response: { 201: createAlertChannelResponseSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await alerts.createChannel(request.principal!, request.body)),
    );

    app.get(
      '/alerts/channels',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Your notification channels',
          response: { 200: alertChannelListResponseSchema },
        },
      },
      async (request) => ({ channels: await alerts.listChannels(request.principal!) }),
    );

    app.get(
      '/alerts/channels/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'One of your notification channels',
          params: alertIdParamsSchema,
          response: { 200: alertChannelSchema },
        },
      },
      async (request) => alerts.getChannel(request.principal!, request.params.id),
    );

    app.put(
      '/alerts/channels/:id/modes',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Set what the channel does per rule kind: on (sent), silent (stored and shown, not sent through it) or off (ignored by it); kinds left out are on',
          params: alertIdParamsSchema,
          body: alertChannelModesBodySchema,
          response: { 200: alertChannelSchema },
        },
      },
      async (request) =>
        alerts.setChannelModes(request.principal!, request.params.id, request.body.eventModes),
    );

    app.put(
      '/alerts/channels/:id/digest',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Send the channel one digest a day (at a time of day in a time zone, default the owner's saved one) listing the previous day's firings instead of each firing; null sends each firing again",
          params: alertIdParamsSchema,
          body: alertChannelDigestSettingBodySchema,
          response: { 200: alertChannelSchema },
        },
      },
      async (request) => alerts.setChannelDigest(request.principal!, request.params.id, request.body.digest),
    );

    app.get(
      '/alerts/digests',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Daily digests of your channels, newest first, with their delivery state',
          querystring: alertDigestListQuerySchema,
          response: { 200: alertDigestListResponseSchema },
        },
      },
      async (request) => ({ digests: await alerts.listDigests(request.principal!, request.query) }),
    );

    app.delete(
      '/alerts/channels/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Delete a notification channel (its queued deliveries go with it)',
          params: alertIdParamsSchema,
          response: { 204: noContentSchema },
        },
      },
      async (request, reply) => {
        await alerts.deleteChannel(request.principal!, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/alerts/channels/:id/test',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Send a test notification through the channel now (signed, like every notification)',
          params: alertIdParamsSchema,
          response: { 200: alertTestResponseSchema },
        },
      },
      async (request) => {
        const result = await alerts.testChannel(request.principal!, request.params.id);
        return { delivered: result.delivered, status: result.status, error: result.error };
      },
    );

    app.post(
      '/alerts/rules',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Create an alert rule',
          body: alertRuleBodySchema,
          response: { 201: alertRuleSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await alerts.createRule(request.principal!, request.body)),
    );

    app.post(
      '/alerts/rules/preview',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'What a rule (the body of a new or changed one) would have fired over the last 7 days of its series’ stored candles: how often, when (the first 20) and the latest message; nothing is stored',
          body: alertRuleBodySchema,
          response: { 200: alertRulePreviewResponseSchema },
        },
      },
      async (request) => alerts.previewRule(request.principal!, request.body),
    );

    app.get(
      '/alerts/rules',
      {
        config: { access: 'user' },
        schema: { tags, summary: 'Your alert rules', response: { 200: alertRuleListResponseSchema } },
      },
      async (request) => ({ rules: await alerts.listRules(request.principal!) }),
    );

    app.get(
      '/alerts/rules/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'One of your alert rules',
          params: alertIdParamsSchema,
          response: { 200: alertRuleSchema },
        },
      },
      async (request) => alerts.getRule(request.principal!, request.params.id),
    );

    app.put(
      '/alerts/rules/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Replace an alert rule (it re-arms; its cooldown starts over)',
          params: alertIdParamsSchema,
          body: alertRuleBodySchema,
          response: { 200: alertRuleSchema },
        },
      },
      async (request) => alerts.updateRule(request.principal!, request.params.id, request.body),
    );

    app.delete(
      '/alerts/rules/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Delete an alert rule and its history',
          params: alertIdParamsSchema,
          response: { 204: noContentSchema },
        },
      },
      async (request, reply) => {
        await alerts.deleteRule(request.principal!, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/alerts/history',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Firings of your rules, newest first, with the count still open',
          querystring: alertHistoryQuerySchema,
          response: { 200: alertHistoryResponseSchema },
        },
      },
      async (request) => alerts.history(request.principal!, request.query),
    );

    app.post(
      '/alerts/history/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Acknowledge, snooze or resolve a firing',
          params: alertIdParamsSchema,
          body: alertEventActionBodySchema,
          response: { 200: alertEventSchema },
        },
      },
      async (request) => alerts.actOnEvent(request.principal!, request.params.id, request.body),
    );

    app.get(
      '/alerts/deliveries',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Deliveries of your notifications, newest first (state=dead: the dead-letter list)',
          querystring: deliveryQuerySchema,
          response: { 200: alertDeliveryListResponseSchema },
        },
      },
      async (request) => ({ deliveries: await alerts.listDeliveries(request.principal!, request.query) }),
    );

    app.post(
      '/alerts/deliveries/:id/replay',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Queue a dead-lettered delivery again',
          params: alertIdParamsSchema,
          response: { 200: alertDeliverySchema },
        },
      },
      async (request) => alerts.replayDelivery(request.principal!, request.params.id),
    );
  },
};
