import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildForecastOverlay, pastForecastPoints, type ForecastPoint } from './forecast-overlay.ts';

const HOUR = 3_600_000;
const ORIGIN = Date.UTC(2025, 5, 16, 12);

function forecast(
  horizonHours: number,
  point: number,
  halfWidth80: number,
  halfWidth95: number,
): ForecastPoint {
  return {
    horizonMinutes: horizonHours * 60,
    issuedAtMs: ORIGIN,
    targetTimeMs: ORIGIN + horizonHours * HOUR,
    lastClose: 100,
    point,
    lower80: point - halfWidth80,
    upper80: point + halfWidth80,
    lower95: point - halfWidth95,
    upper95: point + halfWidth95,
  };
}

describe('buildForecastOverlay', () => {
  test('widens from the last close to each horizon on the chart grid', () => {
    const overlay = buildForecastOverlay([forecast(4, 104, 2, 4), forecast(2, 102, 1, 2)], HOUR);
    assert.deepEqual(
      overlay.line.map((point) => [(point.time * 1000 - ORIGIN) / HOUR, point.value]),
      [
        [0, 100],
        [1, 101],
        [2, 102],
        [3, 103],
        [4, 104],
      ],
    );
    assert.deepEqual(overlay.band[0], {
      time: ORIGIN / 1000,
      lower95: 100,
      lower80: 100,
      upper80: 100,
      upper95: 100,
    });
    assert.deepEqual(overlay.band[2], {
      time: ORIGIN / 1000 + 7200,
      lower95: 100,
      lower80: 101,
      upper80: 103,
      upper95: 104,
    });
    assert.deepEqual(overlay.band[3], {
      time: ORIGIN / 1000 + 10800,
      lower95: 100,
      lower80: 101.5,
      upper80: 104.5,
      upper95: 106,
    });
    assert.equal(overlay.endTime, (ORIGIN + 4 * HOUR) / 1000);
    for (const point of overlay.band) {
      assert.ok(
        point.lower95 <= point.lower80 && point.lower80 <= point.upper80 && point.upper80 <= point.upper95,
      );
    }
  });

  test('thins a long cone but keeps its first and last point', () => {
    const overlay = buildForecastOverlay([forecast(24 * 30, 120, 5, 10)], 60_000);
    assert.ok(overlay.band.length <= 2_002, `${overlay.band.length} points`);
    assert.equal(overlay.band[0]!.time, ORIGIN / 1000);
    assert.equal(overlay.band.at(-1)!.time, (ORIGIN + 24 * 30 * HOUR) / 1000);
    assert.equal(overlay.line.at(-1)!.value, 120);
    const times = overlay.band.map((point) => point.time);
    assert.deepEqual(
      times,
      [...new Set(times)].sort((a, b) => a - b),
      'strictly increasing',
    );
    assert.ok(
      times.every((time) => (time * 1000) % 60_000 === 0),
      'on the 1m grid',
    );
  });

  test('an origin between candles starts on the candle that holds it', () => {
    const offGrid = {
      ...forecast(1, 101, 1, 2),
      issuedAtMs: ORIGIN + 60_000,
      targetTimeMs: ORIGIN + 60_000 + HOUR,
    };
    const overlay = buildForecastOverlay([offGrid], 15 * 60_000);
    assert.equal(overlay.band[0]!.time, ORIGIN / 1000);
    assert.equal(overlay.line[0]!.value, 100);
    assert.equal(overlay.band.at(-1)!.time, (ORIGIN + HOUR) / 1000);
  });

  test('nothing to draw without forecasts', () => {
    assert.deepEqual(buildForecastOverlay([], HOUR), { band: [], line: [], endTime: null });
  });
});

describe('pastForecastPoints', () => {
  test('one point per bar at the target time, the latest issued winning', () => {
    const points = pastForecastPoints(
      [
        { targetTimeMs: ORIGIN + 90 * 60_000, point: 101, issuedAtMs: 1, hit80: true },
        { targetTimeMs: ORIGIN + 70 * 60_000, point: 102, issuedAtMs: 2, hit80: false },
        { targetTimeMs: ORIGIN, point: 99, issuedAtMs: 1, hit80: null },
      ],
      HOUR,
    );
    assert.deepEqual(points, [
      { time: ORIGIN / 1000, value: 99, hit: null },
      { time: (ORIGIN + HOUR) / 1000, value: 102, hit: false },
    ]);
  });
});
