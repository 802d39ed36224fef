import { AlertMonitor } from '../alerts/alert-monitor.ts';
import type { Role } from './role.ts';

/**
 * Evaluates alert rules as candles and forecasts arrive on the bus, stores each firing once and
 * sends its notifications, retrying for a day before dead-lettering them.
 */
export const alertsRole: Role = {
  name: 'alerts',
  async start(context) {
    const { metrics } = context;
    const logger = context.logger.child({ component: 'alerts' });
    const monitor = new AlertMonitor({
      bus: context.bus,
      repository: context.store.alerts,
      service: context.alerts,
      logger,
      now: () => context.clock.now(),
      jobAccess: {
        jobOwner: async (jobId) => (await context.store.jobs.get(jobId))?.ownerUserId ?? null,
        isAdmin: async (userId) => (await context.store.users.findById(userId))?.role === 'admin',
      },
      onError: (task, error) => {
        metrics.runtime.backgroundErrors.inc({ task });
        logger.warn({ err: error, task }, 'alert task failed');
      },
    });
    await monitor.start();
    const unregister = context.health.register({
      name: 'alerts',
      check: async () => ({
        state: 'ok',
        reason: null,
        details: { rules: monitor.ruleCount(), ...monitor.stats() },
      }),
    });
    return {
      stop: async () => {
        unregister();
        await monitor.stop();
      },
    };
  },
};
