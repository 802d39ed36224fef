import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AlertRule } from '@runecast/contracts';
import {
  buildChannelBody,
  buildRuleBody,
  describeCondition,
  describeScope,
  emptyChannelForm,
  emptyRuleForm,
  formatMinutes,
  ruleBodyFromRule,
  ruleFormFromRule,
  withoutDeletedChannels,
  type RuleFormState,
} from './alert-rule-model.ts';

const form = (changes: Partial<RuleFormState>): RuleFormState => ({
  ...emptyRuleForm('Europe/Berlin'),
  name: 'BTC above 100k',
  level: '100000',
  ...changes,
});

const rule: AlertRule = {
  id: '00000000-0000-4000-8000-000000000001',
  ownerUserId: '00000000-0000-4000-8000-000000000002',
  name: 'fast move',
  series: 'binance:BTC/USDT:1m',
  condition: { kind: 'move', percent: 3, windowMinutes: 30 },
  severity: 'critical',
  cooldownMinutes: 15,
  channelIds: ['00000000-0000-4000-8000-000000000003'],
  template: '{rule}: {change}',
  quietHours: { start: '22:00', end: '07:00', timeZone: 'America/New_York' },
  enabled: true,
  createdAtMs: 1,
  updatedAtMs: 2,
};

describe('alert rule words', () => {
  test('say each condition kind in words', () => {
    assert.equal(
      describeCondition({ kind: 'price-cross', direction: 'above', level: 100_000 }),
      'price crosses above 100,000',
    );
    assert.equal(
      describeCondition({ kind: 'price-cross', direction: 'below', level: 0.00012 }),
      'price crosses below 0.00012',
    );
    assert.equal(
      describeCondition({ kind: 'move', percent: 5, windowMinutes: 60 }),
      'price moves 5% or more, up or down, within 1 h',
    );
    assert.equal(
      describeCondition({ kind: 'volume-spike', zScore: 3.5, lookbackCandles: 60 }),
      'volume 3.5 standard deviations above the mean of the previous 60 candles',
    );
    assert.equal(
      describeCondition({ kind: 'forecast-move', percent: 2 }),
      'a new forecast points 2% or more from the last close',
    );
    assert.equal(
      describeCondition({ kind: 'forecast-move', percent: 2, horizonMinutes: 1440 }),
      'a new 1 d forecast points 2% or more from the last close',
    );
    assert.equal(
      describeCondition({ kind: 'forecast-band' }),
      'price leaves the 95% band of the newest forecast',
    );
    assert.equal(
      describeCondition({ kind: 'forecast-band', horizonMinutes: 240 }),
      'price leaves the 95% band of the newest 4 h forecast',
    );
    assert.equal(describeCondition({ kind: 'stale', afterMinutes: 30 }), 'no candle arrives for 30 min');
    assert.equal(describeCondition({ kind: 'job-failed' }), 'a job of any kind fails');
    assert.equal(
      describeCondition({ kind: 'job-failed', jobKinds: ['train', 'backtest'] }),
      'a train, backtest job fails',
    );
    assert.equal(describeCondition({ kind: 'security' }), 'any security event');
    assert.equal(
      describeCondition({ kind: 'security', events: ['login-burst', 'api-key-new-address'] }),
      'a burst of failed log-ins, or an API key used from a new address',
    );
    assert.equal(describeScope(null), 'every series');
    assert.equal(describeScope('binance:ETH/USDT:1m'), 'binance:ETH/USDT:1m');
    assert.deepEqual(
      [formatMinutes(45), formatMinutes(90), formatMinutes(120), formatMinutes(2880)],
      ['45 min', '90 min', '2 h', '2 d'],
    );
  });
});

describe('rule form', () => {
  test('builds the body of each condition kind, with every series when none is chosen', () => {
    const priceCross = buildRuleBody(form({}));
    assert.deepEqual(priceCross, {
      ok: true,
      body: {
        name: 'BTC above 100k',
        condition: { kind: 'price-cross', direction: 'above', level: 100_000 },
        severity: 'warning',
        cooldownMinutes: 60,
        channelIds: [],
        enabled: true,
      },
    });
    const move = buildRuleBody(
      form({ kind: 'move', percent: '2.5', windowMinutes: '15', series: 'binance:BTC/USDT:1m' }),
    );
    assert.ok(move.ok);
    assert.deepEqual(move.body.condition, { kind: 'move', percent: 2.5, windowMinutes: 15 });
    assert.equal(move.body.series, 'binance:BTC/USDT:1m');
    const spike = buildRuleBody(form({ kind: 'volume-spike', zScore: '4', lookbackCandles: '120' }));
    assert.ok(spike.ok);
    assert.deepEqual(spike.body.condition, { kind: 'volume-spike', zScore: 4, lookbackCandles: 120 });
    const forecastMove = buildRuleBody(form({ kind: 'forecast-move', percent: '3', horizonMinutes: '' }));
    assert.ok(forecastMove.ok);
    assert.deepEqual(forecastMove.body.condition, { kind: 'forecast-move', percent: 3 });
    const band = buildRuleBody(form({ kind: 'forecast-band', horizonMinutes: '240' }));
    assert.ok(band.ok);
    assert.deepEqual(band.body.condition, { kind: 'forecast-band', horizonMinutes: 240 });
  });

  test('builds stale, job-failed and security rules; job and security rules have no series', () => {
    const stale = buildRuleBody(form({ kind: 'stale', afterMinutes: '45', series: 'binance:BTC/USDT:1m' }));
    assert.ok(stale.ok);
    assert.deepEqual(stale.body.condition, { kind: 'stale', afterMinutes: 45 });
    assert.equal(stale.body.series, 'binance:BTC/USDT:1m');
    const anyJob = buildRuleBody(form({ kind: 'job-failed', jobKinds: ' ', series: 'binance:BTC/USDT:1m' }));
    assert.ok(anyJob.ok);
    assert.deepEqual(anyJob.body.condition, { kind: 'job-failed' });
    assert.equal(anyJob.body.series, undefined);
    const someJobs = buildRuleBody(form({ kind: 'job-failed', jobKinds: 'train, backtest tune' }));
    assert.ok(someJobs.ok);
    assert.deepEqual(someJobs.body.condition, {
      kind: 'job-failed',
      jobKinds: ['train', 'backtest', 'tune'],
    });
    assert.deepEqual(buildRuleBody(form({ kind: 'stale', afterMinutes: '0' })), {
      ok: false,
      errors: { afterMinutes: 'must be at least 1' },
    });
    const badKind = buildRuleBody(form({ kind: 'job-failed', jobKinds: 'Train!' }));
    assert.ok(!badKind.ok);
    assert.match(badKind.errors.jobKinds ?? '', /lower-case letters, digits and dashes/);
    const security = buildRuleBody(
      form({ kind: 'security', securityEvents: ['login-burst'], series: 'binance:BTC/USDT:1m' }),
    );
    assert.ok(security.ok);
    assert.deepEqual(security.body.condition, { kind: 'security', events: ['login-burst'] });
    assert.equal(security.body.series, undefined);
    const everyEvent = buildRuleBody(form({ kind: 'security', securityEvents: [] }));
    assert.ok(everyEvent.ok);
    assert.deepEqual(everyEvent.body.condition, { kind: 'security' });
    assert.deepEqual(
      ruleFormFromRule(
        { ...rule, condition: { kind: 'security', events: ['disabled-account-token'] } },
        'UTC',
      ).securityEvents,
      ['disabled-account-token'],
    );
    const read = ruleFormFromRule(
      { ...rule, condition: { kind: 'job-failed', jobKinds: ['train', 'tune'] } },
      'UTC',
    );
    assert.equal(read.jobKinds, 'train, tune');
    assert.equal(
      ruleFormFromRule({ ...rule, condition: { kind: 'stale', afterMinutes: 90 } }, 'UTC').afterMinutes,
      '90',
    );
  });

  test('names each field that is missing, not a number or out of range', () => {
    const result = buildRuleBody(form({ name: '  ', level: '', cooldownMinutes: '1.5' }));
    assert.deepEqual(result, {
      ok: false,
      errors: { level: 'required', name: 'required', cooldownMinutes: 'must be a whole number' },
    });
    assert.deepEqual(buildRuleBody(form({ level: 'abc' })), {
      ok: false,
      errors: { level: 'must be a number' },
    });
    assert.deepEqual(buildRuleBody(form({ level: '0' })), {
      ok: false,
      errors: { level: 'must be above 0' },
    });
    assert.deepEqual(buildRuleBody(form({ kind: 'move', percent: '-1', windowMinutes: '20000' })), {
      ok: false,
      errors: { percent: 'must be above 0', windowMinutes: 'must be at most 10080' },
    });
    assert.deepEqual(buildRuleBody(form({ kind: 'volume-spike', zScore: '0.5', lookbackCandles: '5' })), {
      ok: false,
      errors: { zScore: 'must be at least 1', lookbackCandles: 'must be at least 10' },
    });
    assert.deepEqual(buildRuleBody(form({ kind: 'forecast-band', horizonMinutes: '2.5' })), {
      ok: false,
      errors: { horizonMinutes: 'must be a whole number' },
    });
  });

  test('refuses what the API refuses: template fields, quiet hours, time zones', () => {
    const template = buildRuleBody(form({ template: '{rule} at {secret}' }));
    assert.ok(!template.ok);
    assert.match(template.errors.template ?? '', /^may use only the fields \{rule\}, \{series\}/);
    const zone = buildRuleBody(form({ quietHoursOn: true, quietTimeZone: 'Mars/Olympus' }));
    assert.deepEqual(zone, {
      ok: false,
      errors: { quietTimeZone: 'must be an IANA time zone such as Europe/Berlin' },
    });
    const time = buildRuleBody(form({ quietHoursOn: true, quietStart: '25:00' }));
    assert.deepEqual(time, { ok: false, errors: { quietStart: 'must be HH:MM (24-hour)' } });
    const off = buildRuleBody(form({ quietHoursOn: false, quietTimeZone: 'Mars/Olympus' }));
    assert.ok(off.ok, 'quiet hours switched off are not checked or sent');
    assert.equal(off.body.quietHours, undefined);
    const on = buildRuleBody(form({ quietHoursOn: true }));
    assert.ok(on.ok);
    assert.deepEqual(on.body.quietHours, { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' });
  });

  test('a rule read into the form and sent back is the same rule', () => {
    const edited = ruleFormFromRule(rule, 'UTC');
    assert.equal(edited.quietTimeZone, 'America/New_York');
    assert.equal(edited.quietHoursOn, true);
    const result = buildRuleBody(edited);
    assert.ok(result.ok);
    assert.deepEqual(result.body, ruleBodyFromRule(rule));
    const everySeries = ruleFormFromRule({ ...rule, series: null, quietHours: null, template: null }, 'UTC');
    assert.equal(everySeries.series, '');
    assert.equal(everySeries.quietHoursOn, false);
    assert.equal(everySeries.quietTimeZone, 'UTC');
  });

  test('rune-stat and sentiment-shift rules go through the form and back unchanged', () => {
    const conditions: AlertRule['condition'][] = [
      { kind: 'rune-stat', metric: 'holders', percent: 10, windowMinutes: 30 },
      { kind: 'rune-stat', metric: 'holders', above: 5000 },
      { kind: 'rune-stat', metric: 'volume_total_btc', above: 2, windowMinutes: 60 },
      { kind: 'sentiment-shift', shift: 0.4, windowMinutes: 1440, over: '24h' },
    ];
    for (const condition of conditions) {
      const result = buildRuleBody(ruleFormFromRule({ ...rule, condition }, 'UTC'));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.body.condition, condition);
    }
    const empty = ruleFormFromRule({ ...rule, condition: conditions[0]! }, 'UTC');
    const missing = buildRuleBody({ ...empty, metric: ' ', percent: '' });
    assert.ok(!missing.ok);
    assert.equal(missing.errors.metric, 'required');
    assert.equal(missing.errors.percent, 'required');
    const badShift = buildRuleBody({ ...empty, kind: 'sentiment-shift', shift: '5' });
    assert.ok(!badShift.ok);
    assert.equal(badShift.errors.shift, 'must be at most 2');
  });

  test('disabling a rule sends the same body with enabled false', () => {
    assert.deepEqual(ruleBodyFromRule(rule, { enabled: false }), {
      name: 'fast move',
      series: 'binance:BTC/USDT:1m',
      condition: { kind: 'move', percent: 3, windowMinutes: 30 },
      severity: 'critical',
      cooldownMinutes: 15,
      channelIds: ['00000000-0000-4000-8000-000000000003'],
      template: '{rule}: {change}',
      quietHours: { start: '22:00', end: '07:00', timeZone: 'America/New_York' },
      enabled: false,
    });
    const bare = ruleBodyFromRule({ ...rule, series: null, template: null, quietHours: null });
    assert.deepEqual(Object.keys(bare).sort(), [
      'channelIds',
      'condition',
      'cooldownMinutes',
      'enabled',
      'name',
      'severity',
    ]);
  });
});

describe('deleted channels', () => {
  test('are dropped from a rule sent back, unless the channel list is not known', () => {
    const kept = { id: 'kept' };
    assert.deepEqual(withoutDeletedChannels(['kept', 'gone'], [kept, { id: 'other' }]), ['kept']);
    assert.deepEqual(withoutDeletedChannels(['kept', 'gone'], []), []);
    assert.deepEqual(withoutDeletedChannels(['kept', 'gone'], null), ['kept', 'gone']);
  });
});

describe('channel form', () => {
  test('sends only the fields of the chosen kind', () => {
    assert.deepEqual(
      buildChannelBody({
        ...emptyChannelForm(),
        kind: 'email',
        name: 'inbox',
        to: ' you@example.com ',
        url: 'x',
      }),
      { ok: true, body: { kind: 'email', name: 'inbox', to: 'you@example.com' } },
    );
    assert.deepEqual(
      buildChannelBody({
        ...emptyChannelForm(),
        name: ' desk ',
        url: ' https://example.com/hook ',
        chatId: '5',
      }),
      { ok: true, body: { kind: 'webhook', name: 'desk', url: 'https://example.com/hook' } },
    );
    assert.deepEqual(
      buildChannelBody({
        kind: 'telegram',
        name: 'phone',
        url: 'https://ignored.example',
        botToken: '123456:ABCdefGHIjklMNOpqrSTUvwx',
        chatId: '@runecast_alerts',
        to: '',
      }),
      {
        ok: true,
        body: {
          kind: 'telegram',
          name: 'phone',
          botToken: '123456:ABCdefGHIjklMNOpqrSTUvwx',
          chatId: '@runecast_alerts',
        },
      },
    );
  });

  test('names missing and malformed fields', () => {
    assert.deepEqual(buildChannelBody(emptyChannelForm()), {
      ok: false,
      errors: { name: 'required', url: 'required' },
    });
    assert.deepEqual(buildChannelBody({ ...emptyChannelForm(), name: 'x', url: 'ftp://example.com' }), {
      ok: false,
      errors: { url: 'must be an http or https URL' },
    });
    const telegram = buildChannelBody({
      ...emptyChannelForm(),
      kind: 'telegram',
      name: 'x',
      botToken: 'nope',
      chatId: 'me',
    });
    assert.ok(!telegram.ok);
    assert.match(telegram.errors.botToken ?? '', /bot token as BotFather gives it/);
    assert.match(telegram.errors.chatId ?? '', /numeric chat id or @channelname/);
    assert.deepEqual(buildChannelBody({ ...emptyChannelForm(), kind: 'email', name: 'x' }), {
      ok: false,
      errors: { to: 'required' },
    });
    const email = buildChannelBody({ ...emptyChannelForm(), kind: 'email', name: 'x', to: 'not an address' });
    assert.ok(!email.ok);
    assert.ok(email.errors.to, 'a malformed address is named');
    assert.deepEqual(buildChannelBody({ ...emptyChannelForm(), kind: 'slack', name: 'x' }), {
      ok: false,
      errors: { url: 'required' },
    });
  });
});
