// Alert rule evaluation against a live stream: 10,000 rules over 1m candles of 100 series, one
// candle batch per series per minute, as the alerts role receives them. Prints how many times
// faster than real time the evaluator runs on one core, alone and through the whole path (bus,
// evaluation, firings and rule states written to an embedded store), beside real time itself.
// Run: node --import tsx bench/alerts.bench.ts
import { pathToFileURL } from 'node:url';
import type { AlertCondition, AlertRule, CandleBatchMessage } from '@runecast/contracts';
import { toCandleColumns } from '@runecast/contracts';
import type { Candle } from '@runecast/market';
import { AlertEvaluator } from '../apps/server/src/alerts/alert-evaluator.ts';
import { AlertMonitor } from '../apps/server/src/alerts/alert-monitor.ts';
import { AlertService } from '../apps/server/src/alerts/alert.service.ts';
import { SecretBox } from '../apps/server/src/auth/secret-box.ts';
import { SecretService } from '../apps/server/src/auth/secret.service.ts';
import { InProcessBus } from '../apps/server/src/bus/in-process.bus.ts';
import { candlesTopic } from '../apps/server/src/bus/topics.ts';
import { createSeededRandom } from '../apps/server/src/features/seeded-random.ts';
import { generateSyntheticCandles } from '../apps/server/src/features/synthetic-candles.ts';
import { createLogger } from '../apps/server/src/observability/logger.ts';
import { openStore } from '../apps/server/src/store/store.ts';
import { printBenchTable, timed } from './bench-support.ts';

const SERIES_COUNT = 100;
const RULES_PER_SERIES = 100;
const START_MS = Date.UTC(2026, 0, 5);

interface Stream {
  series: { exchange: string; symbol: string; timeframe: '1m' }[];
  candles: Candle[][];
}

function buildStream(minutes: number): Stream {
  const series = Array.from({ length: SERIES_COUNT }, (_, index) => ({
    exchange: 'binance',
    symbol: `C${String(index).padStart(3, '0')}/USDT`,
    timeframe: '1m' as const,
  }));
  const candles = series.map((_, index) =>
    generateSyntheticCandles({
      count: minutes,
      seed: 1_000 + index,
      timeframe: '1m',
      startTimeMs: START_MS,
      startPrice: 10 + index,
      volatility: 0.001,
    }),
  );
  return { series, candles };
}

/** A mix of rule kinds with thresholds a day of minute candles crosses now and then. */
function buildRules(stream: Stream, ownerUserId: string): AlertRule[] {
  const random = createSeededRandom(7);
  const rules: AlertRule[] = [];
  stream.series.forEach((series, seriesIndex) => {
    const key = `${series.exchange}:${series.symbol}:${series.timeframe}`;
    const startPrice = stream.candles[seriesIndex]![0]!.close;
    for (let index = 0; index < RULES_PER_SERIES; index += 1) {
      const pick = index % 10;
      let condition: AlertCondition;
      if (pick < 5) {
        const offset = (random() - 0.5) * 0.06;
        condition = {
          kind: 'price-cross',
          direction: offset > 0 ? 'above' : 'below',
          level: startPrice * (1 + offset),
        };
      } else if (pick < 8) {
        condition = {
          kind: 'move',
          percent: 1.5 + random() * 3.5,
          windowMinutes: 5 + Math.floor(random() * 235),
        };
      } else {
        condition = {
          kind: 'volume-spike',
          zScore: 3 + random() * 2,
          lookbackCandles: 30 + Math.floor(random() * 90),
        };
      }
      rules.push({
        id: crypto.randomUUID(),
        ownerUserId,
        name: `rule ${seriesIndex}-${index}`,
        series: key,
        condition,
        severity: 'info',
        cooldownMinutes: 30,
        channelIds: [],
        template: null,
        quietHours: null,
        enabled: true,
        createdAtMs: 0,
        updatedAtMs: 0,
      });
    }
  });
  return rules;
}

function batchOf(series: Stream['series'][number], candle: Candle): CandleBatchMessage {
  return {
    ...series,
    source: { label: 'bench', simulated: true },
    candles: toCandleColumns([candle]),
  };
}

export async function runAlertsBench(): Promise<void> {
  const dayMinutes = 1_440;
  const stream = buildStream(dayMinutes);
  const rules = buildRules(stream, '00000000-0000-4000-8000-000000000001');
  const keys = stream.series.map((series) => `${series.exchange}:${series.symbol}:${series.timeframe}`);

  // 1. The evaluator alone: a day of the stream, one batch per series per minute.
  const evaluator = new AlertEvaluator(rules);
  let evaluatorFirings = 0;
  const alone = await timed(async () => {
    for (let minute = 0; minute < dayMinutes; minute += 1) {
      for (let index = 0; index < SERIES_COUNT; index += 1) {
        const candle = stream.candles[index]![minute]!;
        evaluatorFirings += evaluator.onCandles(keys[index]!, '1m', [
          { openTimeMs: candle.openTimeMs, close: candle.close, volume: candle.volume, closed: true },
        ]).length;
      }
      evaluator.takeChangedStates();
    }
  });

  // 2. The whole path on an embedded store: bus message → evaluation → firings and rule states stored.
  const pathMinutes = 240;
  const store = await openStore({ dataDir: 'memory://' });
  const bus = new InProcessBus();
  const owner = await store.users.createUser({
    id: crypto.randomUUID(),
    email: 'bench@example.com',
    passwordHash: 'not a hash: this account never logs in',
    displayName: null,
    role: 'user',
    nowMs: Date.now(),
  });
  for (const rule of rules) {
    await store.alerts.createRule(
      {
        ownerUserId: owner.id,
        name: rule.name,
        series: rule.series,
        condition: rule.condition,
        severity: rule.severity,
        cooldownMinutes: rule.cooldownMinutes,
        channelIds: [],
        template: null,
        quietHours: null,
        enabled: true,
      },
      0,
    );
  }
  const monitor = new AlertMonitor({
    bus,
    repository: store.alerts,
    service: new AlertService({
      repository: store.alerts,
      secrets: new SecretService(store.secrets, new SecretBox(Buffer.alloc(32, 1))),
    }),
    logger: createLogger('silent'),
    now: Date.now,
    deliveryIntervalMs: 3_600_000,
    ruleRefreshMs: 3_600_000,
  });
  await monitor.start();
  const whole = await timed(async () => {
    for (let minute = 0; minute < pathMinutes; minute += 1) {
      for (let index = 0; index < SERIES_COUNT; index += 1) {
        await bus.publish(
          candlesTopic(stream.series[index]!),
          batchOf(stream.series[index]!, stream.candles[index]![minute]!),
        );
      }
      await bus.flush();
    }
  });
  const pathFirings = monitor.stats().firings;
  await monitor.stop();
  await bus.close();
  await store.close();

  const realTime = (minutes: number, seconds: number) =>
    `${Math.round((minutes * 60) / seconds).toLocaleString('en-US')}×`;
  printBenchTable(
    `Alert rules: ${rules.length.toLocaleString('en-US')} rules over 1m candles of ${SERIES_COUNT} series (one core)`,
    ['path', 'stream minutes', 'batches', 'firings', 'seconds', 'batches/s', 'vs real time'],
    [
      [
        'real time (the stream itself)',
        '1',
        String(SERIES_COUNT),
        '-',
        '60',
        (SERIES_COUNT / 60).toFixed(1),
        '1×',
      ],
      [
        'evaluator alone',
        String(dayMinutes),
        String(dayMinutes * SERIES_COUNT),
        String(evaluatorFirings),
        alone.seconds.toFixed(2),
        Math.round((dayMinutes * SERIES_COUNT) / alone.seconds).toLocaleString('en-US'),
        realTime(dayMinutes, alone.seconds),
      ],
      [
        'bus → evaluator → PGlite store',
        String(pathMinutes),
        String(pathMinutes * SERIES_COUNT),
        String(pathFirings),
        whole.seconds.toFixed(2),
        Math.round((pathMinutes * SERIES_COUNT) / whole.seconds).toLocaleString('en-US'),
        realTime(pathMinutes, whole.seconds),
      ],
    ],
  );
  const ratio = (pathMinutes * 60) / whole.seconds;
  process.stdout.write(
    `target: whole path >= 10× real time: ${ratio >= 10 ? 'met' : 'missed'} (${ratio.toFixed(0)}×)\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runAlertsBench();
