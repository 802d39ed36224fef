import {
  type AlertChannelEventModes,
  alertChannelDigestBodySchema,
  alertChannelModeSchema,
  alertChannelModes,
  alertConditionKinds,
  type AlertRuleBody,
  alertRuleBodySchema,
  createAlertChannelBodySchema,
  emailSchema,
  uuidSchema,
} from '@runecast/contracts';
import type { Command } from 'commander';
import { AlertService } from '../../alerts/alert.service.ts';
import { resolveAuthKeys } from '../../auth/auth-services.ts';
import type { Principal } from '../../auth/principal.ts';
import { SecretBox } from '../../auth/secret-box.ts';
import { SecretService } from '../../auth/secret.service.ts';
import type { Store } from '../../store/store.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { isoTime, printJson, printTable } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface UserOption {
  user: string;
}

/** Acts as the account with this email, as the API would for its log-in. */
async function principalFor(store: Store, emailText: string): Promise<Principal> {
  const email = emailSchema.safeParse(emailText);
  if (!email.success) throw new UsageError(`--user: ${email.error.issues[0]?.message ?? 'not valid'}`);
  const user = await store.users.findByEmail(email.data);
  if (user === null) throw new UsageError(`--user: no account has the email ${email.data}`);
  return {
    kind: 'session',
    userId: user.id,
    email: user.email,
    role: user.role,
    scope: 'read-write',
    sessionId: null,
    apiKeyId: null,
  };
}

async function withAlerts<T>(
  command: Command,
  work: (alerts: AlertService, store: Store) => Promise<T>,
): Promise<T> {
  const config = configFor(command);
  const keys = await resolveAuthKeys(config);
  return withStore(config, (store) =>
    work(
      new AlertService({
        repository: store.alerts,
        secrets: new SecretService(store.secrets, new SecretBox(keys.secretsKey)),
        candles: store.candles,
        preferences: store.preferences,
      }),
      store,
    ),
  );
}

interface ConditionOptions {
  series?: string;
  above?: string;
  below?: string;
  move?: string;
  window?: string;
  volumeZ?: string;
  lookback?: string;
  forecastMove?: string;
  forecastBand?: boolean;
  horizon?: string;
}

interface AddOptions extends UserOption, ConditionOptions {
  name: string;
  severity?: string;
  cooldown?: string;
  channel: string[];
  template?: string;
  json?: boolean;
}

function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`${flag}: "${text}" is not a number`);
  return value;
}

/** The rule's condition from exactly one of the condition flags. */
function conditionOf(options: ConditionOptions): unknown {
  const given = [
    options.above !== undefined && {
      kind: 'price-cross',
      direction: 'above',
      level: numberFlag('--above', options.above),
    },
    options.below !== undefined && {
      kind: 'price-cross',
      direction: 'below',
      level: numberFlag('--below', options.below),
    },
    options.move !== undefined && {
      kind: 'move',
      percent: numberFlag('--move', options.move),
      windowMinutes: numberFlag('--window', options.window ?? '60'),
    },
    options.volumeZ !== undefined && {
      kind: 'volume-spike',
      zScore: numberFlag('--volume-z', options.volumeZ),
      lookbackCandles: numberFlag('--lookback', options.lookback ?? '60'),
    },
    options.forecastMove !== undefined && {
      kind: 'forecast-move',
      percent: numberFlag('--forecast-move', options.forecastMove),
      ...(options.horizon === undefined ? {} : { horizonMinutes: numberFlag('--horizon', options.horizon) }),
    },
    options.forecastBand === true && {
      kind: 'forecast-band',
      ...(options.horizon === undefined ? {} : { horizonMinutes: numberFlag('--horizon', options.horizon) }),
    },
  ].filter(Boolean);
  if (given.length !== 1) {
    throw new UsageError(
      'give exactly one condition: --above <price>, --below <price>, --move <percent> [--window <minutes>], --volume-z <z> [--lookback <candles>], --forecast-move <percent> or --forecast-band',
    );
  }
  return given[0];
}

/** The condition flags `add` and `preview` share. */
function withConditionOptions(command: Command): Command {
  return command
    .option('--series <key>', 'the series it watches, e.g. binance:BTC/USDT:1m (default: every series)')
    .option('--above <price>', 'fires when the price crosses above this level')
    .option('--below <price>', 'fires when the price crosses below this level')
    .option('--move <percent>', 'fires on a move of this many percent, up or down, within --window')
    .option('--window <minutes>', 'the span of --move (default 60)')
    .option(
      '--volume-z <z>',
      "fires when a candle's volume is this many deviations above the mean of --lookback",
    )
    .option('--lookback <candles>', 'candles the volume mean comes from (default 60)')
    .option('--forecast-move <percent>', 'fires when a new forecast points this far from the last close')
    .option('--forecast-band', "fires when the price leaves the newest forecast's 95% band")
    .option('--horizon <minutes>', 'only forecasts of this horizon (forecast conditions)');
}

/** A rule body from flags, checked as the API checks it. */
function ruleBodyOf(fields: Record<string, unknown>): AlertRuleBody {
  const body = alertRuleBodySchema.safeParse(fields);
  if (!body.success) {
    const issue = body.error.issues[0]!;
    throw new UsageError(`${issue.path.join('.') || 'rule'}: ${issue.message}`);
  }
  return body.data;
}

/** `kind=mode` flags onto a channel's current modes. */
function modesOf(current: AlertChannelEventModes, settings: readonly string[]): AlertChannelEventModes {
  const modes: AlertChannelEventModes = { ...current };
  for (const setting of settings) {
    const [kind = '', mode = '', ...rest] = setting.split('=');
    if (rest.length > 0 || !(alertConditionKinds as readonly string[]).includes(kind)) {
      throw new UsageError(
        `--set: "${setting}" is not kind=mode; the kinds are ${alertConditionKinds.join(', ')}`,
      );
    }
    const parsed = alertChannelModeSchema.safeParse(mode);
    if (!parsed.success) {
      throw new UsageError(`--set ${kind}: "${mode}" must be one of ${alertChannelModes.join(', ')}`);
    }
    modes[kind as keyof AlertChannelEventModes] = parsed.data;
  }
  return modes;
}

function channelIdOf(text: string): string {
  const id = uuidSchema.safeParse(text);
  if (!id.success) throw new UsageError(`<channel-id>: "${text}" is not a channel id (a UUID)`);
  return id.data;
}

/** `runecast alerts list|add|preview|add-channel|modes|digest|test`: alert rules and channels of one account, from the shell. */
export function registerAlertsCommand(program: Command): void {
  const alerts = program.command('alerts').description('Alert rules and notification channels of an account');

  alerts
    .command('list')
    .description("List an account's alert rules and channels")
    .requiredOption('--user <email>', 'the account')
    .option('--json', 'print as JSON')
    .action(async (options: UserOption & { json?: boolean }, command: Command) => {
      const { rules, channels } = await withAlerts(command, async (service, store) => {
        const principal = await principalFor(store, options.user);
        return { rules: await service.listRules(principal), channels: await service.listChannels(principal) };
      });
      if (options.json) {
        printJson({ rules, channels });
        return;
      }
      if (rules.length === 0) process.stdout.write('no alert rule; add one with runecast alerts add\n');
      else {
        printTable(
          ['id', 'name', 'series', 'condition', 'severity', 'channels', 'enabled'],
          rules.map((rule) => [
            rule.id,
            rule.name,
            rule.series ?? 'every series',
            JSON.stringify(rule.condition),
            rule.severity,
            String(rule.channelIds.length),
            rule.enabled ? 'yes' : 'no',
          ]),
        );
      }
      if (channels.length > 0) {
        process.stdout.write('\n');
        printTable(
          ['channel id', 'kind', 'name', 'target', 'created'],
          channels.map((channel) => [
            channel.id,
            channel.kind,
            channel.name,
            channel.target,
            isoTime(channel.createdAtMs),
          ]),
        );
      }
    });

  const add = alerts
    .command('add')
    .description('Add an alert rule to an account')
    .requiredOption('--user <email>', 'the account that owns the rule')
    .requiredOption('--name <name>', 'what to call it');
  withConditionOptions(add)
    .option('--severity <level>', 'info, warning or critical', 'warning')
    .option('--cooldown <minutes>', 'quiet time after a firing', '60')
    .option(
      '--channel <id>',
      'a channel to notify (repeatable)',
      (value: string, list: string[]) => [...list, value],
      [],
    )
    .option('--template <text>', 'message with {rule}, {series}, {price}, {change}, {forecast}, …')
    .option('--json', 'print the rule as JSON')
    .action(async (options: AddOptions, command: Command) => {
      const body = ruleBodyOf({
        name: options.name,
        ...(options.series === undefined ? {} : { series: options.series }),
        condition: conditionOf(options),
        severity: options.severity,
        cooldownMinutes: numberFlag('--cooldown', options.cooldown),
        channelIds: options.channel,
        ...(options.template === undefined ? {} : { template: options.template }),
      });
      const rule = await withAlerts(command, async (service, store) =>
        service.createRule(await principalFor(store, options.user), body),
      );
      if (options.json) printJson(rule);
      else process.stdout.write(`added alert rule ${rule.id} (${rule.name})\n`);
    });

  alerts
    .command('add-channel')
    .description("Add a notification channel to an account; a webhook's signing secret is printed this once")
    .requiredOption('--user <email>', 'the account that owns the channel')
    .requiredOption('--kind <kind>', 'webhook, discord, slack, telegram or email')
    .requiredOption('--name <name>', 'what to call it')
    .option('--url <url>', 'the webhook URL (webhook, discord, slack)')
    .option('--bot-token <token>', 'the bot token (telegram)')
    .option('--chat-id <id>', 'the chat the bot writes to (telegram)')
    .option('--to <address>', 'the address alert emails go to (email)')
    .option('--json', 'print the channel as JSON')
    .action(
      async (
        options: UserOption & {
          kind: string;
          name: string;
          url?: string;
          botToken?: string;
          chatId?: string;
          to?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const body = createAlertChannelBodySchema.safeParse({
          kind: options.kind,
          name: options.name,
          ...(options.url === undefined ? {} : { url: options.url }),
          ...(options.botToken === undefined ? {} : { botToken: options.botToken }),
          ...(options.chatId === undefined ? {} : { chatId: options.chatId }),
          ...(options.to === undefined ? {} : { to: options.to }),
        });
        if (!body.success) {
          const issue = body.error.issues[0]!;
          throw new UsageError(`--${issue.path.join('.') || 'kind'}: ${issue.message}`);
        }
        const channel = await withAlerts(command, async (service, store) =>
          service.createChannel(await principalFor(store, options.user), body.data),
        );
        if (options.json) printJson(channel);
        else {
          process.stdout.write(`added ${channel.kind} channel ${channel.id} (${channel.name})\n`);
          if (channel.secret !== null)
            process.stdout.write(`signing secret (shown once): ${channel.secret}\n`);
        }
      },
    );

  alerts
    .command('test')
    .description("Send a test notification through one of the account's channels now")
    .argument('<channel-id>', 'the channel')
    .requiredOption('--user <email>', 'the account that owns the channel')
    .action(async (channelId: string, options: UserOption, command: Command) => {
      const id = channelIdOf(channelId);
      const result = await withAlerts(command, async (service, store) =>
        service.testChannel(await principalFor(store, options.user), id),
      );
      if (!result.delivered)
        throw new UsageError(`the test notification was not delivered: ${result.error ?? 'no answer'}`);
      process.stdout.write(`delivered (the receiver answered ${result.status})\n`);
    });

  const preview = alerts
    .command('preview')
    .description(
      'What a rule would have fired over the last 7 days of stored candles (nothing is stored or sent)',
    )
    .requiredOption('--user <email>', 'the account the rule is for')
    .option('--rule <id>', 'an existing rule of the account (instead of condition flags)');
  withConditionOptions(preview)
    .option('--cooldown <minutes>', 'quiet time after a firing', '60')
    .option('--template <text>', 'message with {rule}, {series}, {price}, {change}, {forecast}, …')
    .option('--until <time>', 'the end of the 7 days, an ISO time (default now)')
    .option('--json', 'print the preview as JSON')
    .action(
      async (
        options: UserOption &
          ConditionOptions & {
            rule?: string;
            cooldown?: string;
            template?: string;
            until?: string;
            json?: boolean;
          },
        command: Command,
      ) => {
        let untilMs: number | undefined;
        if (options.until !== undefined) {
          untilMs = Date.parse(options.until);
          if (!/^\d{4}-\d{2}-\d{2}/.test(options.until) || !Number.isFinite(untilMs)) {
            throw new UsageError(`--until: "${options.until}" is not an ISO time (2026-01-05T12:00:00Z)`);
          }
        }
        let ruleId: string | undefined;
        if (options.rule !== undefined) {
          const id = uuidSchema.safeParse(options.rule);
          if (!id.success) throw new UsageError(`--rule: "${options.rule}" is not a rule id (a UUID)`);
          if (conditionFlagsGiven(options)) {
            throw new UsageError('--rule: give either an existing rule or condition flags, not both');
          }
          ruleId = id.data;
        }
        const fromFlags =
          ruleId === undefined
            ? ruleBodyOf({
                name: 'preview',
                ...(options.series === undefined ? {} : { series: options.series }),
                condition: conditionOf(options),
                cooldownMinutes: numberFlag('--cooldown', options.cooldown),
                ...(options.template === undefined ? {} : { template: options.template }),
              })
            : null;
        const answer = await withAlerts(command, async (service, store) => {
          const principal = await principalFor(store, options.user);
          let body = fromFlags;
          if (body === null) {
            const rule = await service.getRule(principal, ruleId!);
            body = ruleBodyOf({
              name: rule.name,
              ...((options.series ?? rule.series) === null ? {} : { series: options.series ?? rule.series }),
              condition: rule.condition,
              severity: rule.severity,
              cooldownMinutes: rule.cooldownMinutes,
              ...(rule.template === null ? {} : { template: rule.template }),
            });
          }
          return service.previewRule(principal, body, untilMs);
        });
        if (options.json) {
          printJson(answer);
          return;
        }
        if (!answer.available) {
          process.stdout.write(`${answer.reason}\n`);
          return;
        }
        process.stdout.write(
          `${answer.series}: ${answer.firingCount} firing${answer.firingCount === 1 ? '' : 's'} over ${
            answer.candles
          } candles from ${isoTime(answer.fromMs)} to ${isoTime(answer.toMs)}\n`,
        );
        if (answer.firings.length > 0) {
          printTable(
            ['fired at', 'values'],
            answer.firings.map((firing) => [
              isoTime(firing.firedAtMs),
              Object.entries(firing.values)
                .map(([name, value]) => `${name}=${value}`)
                .join(' '),
            ]),
          );
        }
        if (answer.latestMessage !== null) process.stdout.write(`latest message: ${answer.latestMessage}\n`);
      },
    );

  alerts
    .command('modes')
    .description(
      'Show or change what a channel does per rule kind: on (sent), silent (stored, not sent through it) or off',
    )
    .argument('<channel-id>', 'the channel')
    .requiredOption('--user <email>', 'the account that owns the channel')
    .option(
      '--set <kind=mode>',
      `a kind (${alertConditionKinds.join(', ')}) and its mode (${alertChannelModes.join(', ')}); repeatable, other kinds keep theirs`,
      (value: string, list: string[]) => [...list, value],
      [],
    )
    .option('--json', 'print the channel as JSON')
    .action(
      async (
        channelId: string,
        options: UserOption & { set: string[]; json?: boolean },
        command: Command,
      ) => {
        const id = channelIdOf(channelId);
        // Checked before the store is opened: a bad flag changes nothing.
        modesOf({}, options.set);
        const channel = await withAlerts(command, async (service, store) => {
          const principal = await principalFor(store, options.user);
          const current = await service.getChannel(principal, id);
          if (options.set.length === 0) return current;
          return service.setChannelModes(principal, id, modesOf(current.eventModes, options.set));
        });
        if (options.json) {
          printJson(channel);
          return;
        }
        printTable(
          ['kind', 'mode'],
          alertConditionKinds.map((kind) => [kind, channel.eventModes[kind] ?? 'on']),
        );
      },
    );

  alerts
    .command('digest')
    .description("Send a channel one digest a day of the previous day's firings instead of each firing")
    .argument('<channel-id>', 'the channel')
    .requiredOption('--user <email>', 'the account that owns the channel')
    .option('--at <HH:MM>', 'the time of day the digest is sent')
    .option('--time-zone <zone>', "the time zone of --at (default the account's saved one, else UTC)")
    .option('--off', 'send each firing again instead of a digest')
    .option('--json', 'print the channel as JSON')
    .action(
      async (
        channelId: string,
        options: UserOption & { at?: string; timeZone?: string; off?: boolean; json?: boolean },
        command: Command,
      ) => {
        const id = channelIdOf(channelId);
        if ((options.at === undefined) === (options.off !== true)) {
          throw new UsageError('give either --at <HH:MM> [--time-zone <zone>] or --off');
        }
        let digest: { at: string; timeZone?: string | undefined } | null = null;
        if (options.at !== undefined) {
          const parsed = alertChannelDigestBodySchema.safeParse({
            at: options.at,
            ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
          });
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            throw new UsageError(`--${issue.path[0] === 'timeZone' ? 'time-zone' : 'at'}: ${issue.message}`);
          }
          digest = parsed.data;
        } else if (options.timeZone !== undefined) {
          throw new UsageError('--time-zone goes with --at');
        }
        const channel = await withAlerts(command, async (service, store) =>
          service.setChannelDigest(await principalFor(store, options.user), id, digest),
        );
        if (options.json) printJson(channel);
        else if (channel.digest === null) process.stdout.write(`channel ${channel.id} sends each firing\n`);
        else
          process.stdout.write(
            `channel ${channel.id} sends a daily digest at ${channel.digest.at} (${channel.digest.timeZone})\n`,
          );
      },
    );
}

/** Whether any condition flag was given. */
function conditionFlagsGiven(options: ConditionOptions): boolean {
  return (
    options.above !== undefined ||
    options.below !== undefined ||
    options.move !== undefined ||
    options.volumeZ !== undefined ||
    options.forecastMove !== undefined ||
    options.forecastBand === true
  );
}
