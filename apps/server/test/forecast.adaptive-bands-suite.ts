import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBus } from '../src/bus/create-bus.ts';
import type { Bus } from '../src/bus/bus.port.ts';
import { scoreDueForecasts } from '../src/forecasting/forecast-scoring.ts';
import { createForecastingRuntime, type ForecastingRuntime } from '../src/forecasting/forecasting-runtime.ts';
import { predictWithVersion } from '../src/forecasting/handlers/predict.handler.ts';
import type { Candle } from '@runecast/market';
import type { ModelVersion } from '../src/store/model.port.ts';
import type { Store } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import type { OpenDatabaseOptions } from '../src/store/db.ts';
import { fittedArtifact, marketCandles, storeCandles } from './forecast.fixtures.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 2, 1);
const SERIES = { exchange: 'binance', symbol: 'ADA/USDT', timeframe: '1h' as const };
const at = (hour: number): number => START_MS + hour * HOUR_MS;
const RUN = 40;

/** Adaptive conformal bands through the ledger, on the store engine `openOptions` opens. */
export function adaptiveBandsSuite(
  engineName: string,
  openOptions: () => Promise<OpenDatabaseOptions>,
): void {
  describe(`adaptive conformal bands from the ledger on ${engineName}`, () => {
    let store: Store;
    let bus: Bus;
    let runtime: ForecastingRuntime;
    let history: Candle[];
    const versions: Record<'misses' | 'hits' | 'fresh', ModelVersion> = {} as never;

    before(async () => {
      ({ store } = await openStoreWithDatabase(await openOptions()));
      bus = await createBus();
      runtime = createForecastingRuntime({ store, bus });
      history = marketCandles({ symbol: 'ADA/USDT', count: 300, seed: 21, startTimeMs: at(-300) });
      await storeCandles(store, history);
      const { artifact } = await fittedArtifact(history, 60);
      for (const name of ['misses', 'hits', 'fresh'] as const) {
        versions[name] = await runtime.registry.register({
          modelType: 'naive',
          series: SERIES,
          horizonMinutes: 60,
          params: {},
          featureNames: [],
          trainingStartMs: history[0]!.openTimeMs,
          trainingEndMs: history.at(-1)!.openTimeMs,
          trainingCandles: history.length,
          dataFingerprint: '0'.repeat(64),
          metrics: { mase: 1 },
          artifact,
        });
      }
    });
    after(async () => {
      await bus?.close();
      await store?.close();
    });

    test('a run of misses widens the next band, a run of hits narrows it', async () => {
      const ledger = runtime.forecasting.forecasts;
      // Past forecasts 1h ahead from hours -250 … -211: the "misses" version's bands are far too
      // narrow to hold the next close, the "hits" version's far too wide to miss it.
      for (let index = 0; index < RUN; index += 1) {
        const originHour = -250 + index;
        const lastClose = history[originHour + 300]!.close;
        const actual = history[originHour + 301]!.close;
        for (const name of ['misses', 'hits'] as const) {
          const offset = name === 'misses' ? Math.abs(actual - lastClose) / 4 : lastClose;
          // A miss needs the actual outside the band; move the band away from it.
          const centre = name === 'misses' ? actual + 10 * (offset + 1e-6) : lastClose;
          const half = name === 'misses' ? offset + 1e-6 : lastClose * 0.9;
          await ledger.insertForecast({
            series: SERIES,
            horizonMinutes: 60,
            modelVersionId: versions[name].id,
            modelType: 'naive',
            madeAtMs: at(originHour + 1),
            inputStartMs: at(originHour - 50),
            inputEndMs: at(originHour),
            issuedAtMs: at(originHour + 1),
            targetTimeMs: at(originHour + 2),
            lastClose,
            point: centre,
            lower80: centre - half,
            upper80: centre + half,
            lower95: centre - 2 * half,
            upper95: centre + 2 * half,
          });
        }
      }
      const sweep = await scoreDueForecasts({ candles: store.candles, forecasts: ledger }, { nowMs: at(0) });
      assert.equal(sweep.scored.length, 2 * RUN);

      // By hand, γ = 0.005. Misses: α80 = 0.2 − 40 · 0.005 · 0.8 = 0.04; α95 = 0.05 − 40 · 0.005 · 0.95 < 0.001,
      // clipped to 0.001. Hits: α80 = 0.2 + 40 · 0.005 · 0.2 = 0.24; α95 = 0.05 + 40 · 0.005 · 0.05 = 0.06.
      const missed = await ledger.adaptiveConformalStates(versions.misses.id);
      const hit = await ledger.adaptiveConformalStates(versions.hits.id);
      const alphas = (states: typeof missed) => states.map((state) => [state.nominalLevel, state.alpha]);
      const near = (actual: number[][], expected: number[][]) =>
        actual.forEach(([level, alpha], index) => {
          assert.equal(level, expected[index]![0]);
          assert.ok(Math.abs(alpha! - expected[index]![1]!) < 1e-12, `α${level} = ${alpha}`);
        });
      near(alphas(missed), [
        [80, 0.04],
        [95, 0.001],
      ]);
      near(alphas(hit), [
        [80, 0.24],
        [95, 0.06],
      ]);
      assert.deepEqual(
        missed.map((state) => [state.outcomes, state.misses, state.gamma]),
        [
          [RUN, RUN, 0.005],
          [RUN, RUN, 0.005],
        ],
      );
      assert.deepEqual(
        hit.map((state) => [state.outcomes, state.misses]),
        [
          [RUN, 0],
          [RUN, 0],
        ],
      );
      assert.deepEqual(await ledger.adaptiveConformalStates(versions.fresh.id), []);

      // Scoring is once only: a second sweep finds nothing due and leaves α alone.
      const again = await scoreDueForecasts({ candles: store.candles, forecasts: ledger }, { nowMs: at(0) });
      assert.equal(again.scored.length, 0);
      near(alphas(await ledger.adaptiveConformalStates(versions.misses.id)), [
        [80, 0.04],
        [95, 0.001],
      ]);

      // The next forecasts, from the same latest candle with the same fitted model: only α differs.
      const width = async (version: ModelVersion) => {
        const { forecast } = await predictWithVersion(runtime.dependencies, version);
        return { band80: forecast.upper80 - forecast.lower80, band95: forecast.upper95 - forecast.lower95 };
      };
      const nominal = await width(versions.fresh);
      const widened = await width(versions.misses);
      const narrowed = await width(versions.hits);
      assert.ok(
        widened.band80 > nominal.band80,
        `after misses ${widened.band80} vs nominal ${nominal.band80}`,
      );
      assert.ok(
        widened.band95 > nominal.band95,
        `after misses ${widened.band95} vs nominal ${nominal.band95}`,
      );
      assert.ok(
        narrowed.band80 < nominal.band80,
        `after hits ${narrowed.band80} vs nominal ${nominal.band80}`,
      );
      assert.ok(narrowed.band95 <= nominal.band95);
    });

    test('a bad version id is refused', async () => {
      await assert.rejects(runtime.forecasting.forecasts.adaptiveConformalStates(0), /positive integer/);
    });
  });
}
