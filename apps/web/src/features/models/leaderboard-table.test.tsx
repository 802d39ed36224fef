/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import {
  beatsNaive,
  bestValues,
  metricLoss,
  rankEntries,
  withNaiveBaseline,
  type LeaderboardEntry,
} from './leaderboard-model.ts';
import { LeaderboardTable } from './leaderboard-table.tsx';

const naive: LeaderboardEntry = {
  id: 1,
  modelType: 'naive',
  stage: 'production',
  createdAtMs: 1,
  metrics: {
    mase: 1,
    mae: 120.5,
    rmse: 180,
    mape: 0.4,
    r2: 0,
    directionalAccuracy: null,
    coverage80: 0.79,
    coverage95: 0.94,
    pinball: 40,
    dmStatistic: null,
    dmPValue: null,
  },
};
const ridge: LeaderboardEntry = {
  id: 2,
  modelType: 'ridge',
  stage: 'candidate',
  createdAtMs: 2,
  metrics: {
    mase: 0.97,
    mae: 116.9,
    rmse: 175,
    mape: 0.39,
    r2: 0.01,
    directionalAccuracy: 0.52,
    coverage80: 0.83,
    coverage95: 0.96,
    pinball: 39,
    dmStatistic: -2.4,
    dmPValue: 0.017,
  },
};
const lstm: LeaderboardEntry = {
  id: 3,
  modelType: 'lstm',
  stage: 'candidate',
  createdAtMs: 3,
  metrics: {
    mase: 0.99,
    mae: 119.3,
    rmse: 178,
    mape: 0.4,
    r2: -0.02,
    directionalAccuracy: 0.55,
    coverage80: 0.7,
    coverage95: 0.9,
    pinball: 41,
    dmStatistic: -0.5,
    dmPValue: 0.61,
  },
};
const untested: LeaderboardEntry = {
  id: 4,
  modelType: 'svr',
  stage: 'candidate',
  createdAtMs: 4,
  metrics: {},
};

afterEach(cleanup);

describe('leaderboard model', () => {
  test('turns every metric into a loss where smaller is better', () => {
    assert.equal(metricLoss({ direction: 'lower' }, 0.97), 0.97);
    assert.equal(metricLoss({ direction: 'higher' }, 0.55), -0.55);
    assert.ok(Math.abs(metricLoss({ direction: { nominal: 0.8 } }, 0.7)! - 0.1) < 1e-12);
    assert.equal(metricLoss({ direction: 'lower' }, null), null);
    assert.equal(metricLoss({ direction: 'lower' }, Number.NaN), null);
  });

  test('ranks by the chosen metric, versions without it last', () => {
    const ids = (metric: string) =>
      rankEntries([naive, ridge, lstm, untested], metric).map((entry) => entry.modelType);
    assert.deepEqual(ids('mase'), ['ridge', 'lstm', 'naive', 'svr']);
    assert.deepEqual(ids('directionalAccuracy'), ['lstm', 'ridge', 'svr', 'naive']);
    // Closest to the nominal 80%: naive 0.79, ridge 0.83, lstm 0.70.
    assert.deepEqual(ids('coverage80'), ['naive', 'ridge', 'lstm', 'svr']);
  });

  test('beats naive only with lower error and a significant Diebold-Mariano test', () => {
    assert.equal(beatsNaive(ridge), true);
    assert.equal(beatsNaive(lstm), false);
    assert.equal(beatsNaive(naive), null);
    assert.equal(beatsNaive(untested), null);
    assert.equal(beatsNaive({ ...ridge, metrics: { ...ridge.metrics, mase: 1.05, dmPValue: 0.01 } }), false);
  });

  test('keeps naive on the board, from the same origins when no naive version exists', () => {
    const version = (id: number, modelType: string, naiveMetrics: Record<string, number | null> | null) => ({
      model: { id, modelType, stage: 'candidate', createdAtMs: id, metrics: { mase: 0.9 }, naiveMetrics },
    });
    const rows = withNaiveBaseline([version(7, 'ridge', { mase: 1, mae: 10 }), version(8, 'rf', null)]);
    assert.deepEqual(rows.at(-1), {
      id: -7,
      modelType: 'naive',
      stage: 'baseline',
      createdAtMs: 0,
      metrics: { mase: 1, mae: 10 },
    });
    assert.equal(withNaiveBaseline([version(3, 'naive', null), version(7, 'ridge', { mase: 1 })]).length, 2);
    assert.deepEqual(withNaiveBaseline([]), []);
  });

  test('finds the best value of each metric', () => {
    const best = bestValues([naive, ridge, lstm]);
    assert.equal(best.mase, 0.97);
    assert.equal(best.coverage95, 0.94);
    assert.equal(best.directionalAccuracy, 0.55);
  });
});

describe('<LeaderboardTable>', () => {
  test('shows every version with every metric, naive included, best first', () => {
    render(<LeaderboardTable entries={[naive, lstm, ridge]} sortBy="mase" />);
    const rows = screen.getAllByTestId('leaderboard-row');
    assert.deepEqual(
      rows.map((row) => row.getAttribute('data-model')),
      ['ridge', 'lstm', 'naive'],
    );
    const ridgeRow = within(rows[0]!);
    assert.equal(rows[0]!.querySelector('[data-metric="mase"]')?.textContent, '0.970');
    assert.equal(rows[0]!.querySelector('[data-metric="dmPValue"]')?.textContent, '0.017');
    assert.equal(rows[0]!.querySelector('[data-metric="coverage80"]')?.textContent, '83.0%');
    assert.equal(rows[0]!.querySelector('[data-metric="directionalAccuracy"]')?.textContent, '52.0%');
    assert.ok(ridgeRow.getByText('beats naive'));
    assert.ok(within(rows[1]!).getByText('no better'));
    assert.equal(rows[2]!.querySelector('[data-metric="dmPValue"]')?.textContent, '—');
    assert.equal(within(rows[2]!).getAllByText('baseline').length, 2);
  });

  test('re-sorts when a metric heading is clicked', () => {
    function Sortable() {
      const [sortBy, setSortBy] = useState('mase');
      return <LeaderboardTable entries={[naive, lstm, ridge]} sortBy={sortBy} onSortBy={setSortBy} />;
    }
    render(<Sortable />);
    fireEvent.click(screen.getByRole('button', { name: 'Direction' }));
    assert.deepEqual(
      screen.getAllByTestId('leaderboard-row').map((row) => row.getAttribute('data-model')),
      ['lstm', 'ridge', 'naive'],
    );
    assert.ok(screen.getByRole('button', { name: 'Direction ▲' }));
  });

  test('says so when there is nothing to rank', () => {
    render(<LeaderboardTable entries={[]} sortBy="mase" />);
    assert.ok(screen.getByText('No model versions for this series and horizon yet.'));
  });
});
