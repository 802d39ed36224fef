/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { forecastEvidenceSchema, type ForecastEvidence } from '@runecast/contracts';
import { BacktestEvidence, EvidenceCharts } from './evidence-charts.tsx';
import { bandPath, linearScale, linePath, pitShares } from './evidence-charts-model.ts';

/** The figures of the evidence test on the server (evidence.test.ts), as the API serves them. */
const evidence: ForecastEvidence = forecastEvidenceSchema.parse({
  origins: 4,
  stride: 1,
  rollingWindow: 1,
  series: {
    targetTimeMs: [1000, 2000, 3000, 4000],
    actualClose: [100, 52, 139, 75],
    point: [100, 100, 100, 100],
    lower80: [60, 60, 60, 60],
    upper80: [140, 140, 140, 140],
    lower95: [52.5, 52.5, 52.5, 52.5],
    upper95: [147.5, 147.5, 147.5, 147.5],
    intervalScore80: [80, 160, 80, 80],
    naiveIntervalScore80: [60, 240, 150, 60],
    strategyEquity: [1, 1.089, 1.07811, 1.0673289],
    buyAndHoldEquity: [1, 1.1, 0.99, 0.99],
  },
  calibration: {
    nominal: [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95],
    observed: [0.25, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75],
  },
  pitHistogram: [1, 0, 1, 0, 0, 1, 0, 0, 1, 0],
});
const metrics = {
  coverage80: 0.75,
  coverage95: 0.75,
  intervalScore80: 100,
  intervalSkill80: 0.2,
  dmIntervalPValue80: 0.42,
  strategyTotalReturn: 0.0673289,
};

describe('evidence chart geometry', () => {
  test('scales, lines and bands', () => {
    const x = linearScale([0, 10], 0, 100);
    const y = linearScale([5, 5], 100, 0);
    assert.equal(x(5), 50);
    assert.deepEqual(y.domain, [4.95, 5.05], 'a flat series is widened so it still draws');
    assert.equal(linePath([0, 10], [5, 5], x, y), 'M0.0,50.0L100.0,50.0');
    assert.equal(
      bandPath([0, 10], [4.95, 4.95], [5.05, 5.05], x, y),
      'M0.0,0.0L100.0,0.0L100.0,100.0L0.0,100.0Z',
    );
    assert.deepEqual(pitShares([1, 3]), { shares: [0.25, 0.75], expected: 0.5 });
  });

  test('the API refuses evidence whose series differ in length', () => {
    const broken = { ...evidence, series: { ...evidence.series, point: [100] } };
    assert.equal(forecastEvidenceSchema.safeParse(broken).success, false);
  });
});

describe('evidence charts', () => {
  afterEach(cleanup);

  test('forecast with both bands, rolling score beside naive, calibration, PIT and equity', () => {
    render(<EvidenceCharts evidence={evidence} metrics={metrics} modelLabel="theta" />);
    const forecast = screen.getByTestId('evidence-forecast-chart');
    assert.deepEqual(
      [...forecast.querySelectorAll('path[data-band]')].map((path) => path.getAttribute('data-band')),
      ['95% band', '80% band'],
    );
    assert.deepEqual(
      [...forecast.querySelectorAll('path[data-line]')].map((path) => path.getAttribute('data-line')),
      ['actual', 'forecast'],
    );
    const scores = screen.getByTestId('evidence-interval-score-chart');
    assert.deepEqual(
      [...scores.querySelectorAll('path[data-line]')].map((path) => path.getAttribute('data-line')),
      ['theta', 'naive (plain bands)'],
    );
    assert.match(
      screen.getByText(/Over all:/).textContent ?? '',
      /100\.00 against naive, skill \+20\.00%, DM p 0\.42/,
    );
    const calibration = screen.getByTestId('calibration-plot');
    assert.equal(calibration.querySelectorAll('circle[data-nominal]').length, 10);
    // The table's 80% and 95% coverage are drawn as their own points.
    assert.deepEqual(
      [...calibration.querySelectorAll('rect[data-table-level]')].map((rect) =>
        rect.getAttribute('data-table-level'),
      ),
      ['80', '95'],
    );
    const bins = screen.getByTestId('pit-histogram').querySelectorAll('rect[data-bin]');
    assert.equal(bins.length, 10);
    assert.ok(Number(bins[1]!.getAttribute('height')) === 0 && Number(bins[0]!.getAttribute('height')) > 0);
    // The equity curve ends at the table's strategy return.
    assert.equal(
      screen.getByTestId('evidence-equity-summary').textContent,
      'Long/flat +6.73%, buy and hold −1.00%. A secondary figure: skill is the DM test above.',
    );
  });

  test('a backtest charts one model at a time, the first beside naive by default', () => {
    render(
      <BacktestEvidence
        results={[
          { model: 'naive', metrics: { ...metrics, intervalSkill80: 0 }, evidence },
          { model: 'theta', metrics, evidence },
          { model: 'ses', metrics, evidence: { ...evidence, origins: 4 } },
        ]}
      />,
    );
    const panel = screen.getByTestId('backtest-evidence');
    const select = within(panel).getByLabelText('Model to chart') as HTMLSelectElement;
    assert.equal(select.value, 'theta');
    assert.ok(within(panel).getByRole('img', { name: /^theta: forecast against actual/ }));
    fireEvent.change(select, { target: { value: 'naive' } });
    assert.ok(within(panel).getByRole('img', { name: /^naive: forecast against actual/ }));
  });

  test('backtests run before evidence was kept say so', () => {
    render(<BacktestEvidence results={[{ model: 'naive', metrics }]} />);
    assert.ok(screen.getByText(/run before its evidence charts were kept/));
  });
});
