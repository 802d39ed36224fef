/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render, screen } from '@testing-library/react';
import { HealthLights } from './health-lights.tsx';
import {
  componentLabel,
  healthLightModels,
  healthSummary,
  plainDetailName,
  updateLastSeenOk,
  type ComponentHealth,
} from './health-model.ts';

const NOW = Date.UTC(2025, 5, 16, 12, 0, 0);

const components: ComponentHealth[] = [
  { name: 'store', state: 'ok', reason: null, checkedAtMs: NOW - 30_000, details: { engine: 'pglite' } },
  {
    name: 'candles:binance:BTC/USDT:1m',
    state: 'degraded',
    reason: 'last candle is 900 s old',
    checkedAtMs: NOW - 30_000,
    details: { ageMs: 900_000 },
  },
  { name: 'source:kraken', state: 'down', reason: 'connection refused', checkedAtMs: NOW - 30_000 },
  { name: 'bus', state: 'ok', reason: null, checkedAtMs: NOW - 30_000 },
];

afterEach(cleanup);

describe('health light model', () => {
  test('names components for people', () => {
    assert.deepEqual(componentLabel('store'), { group: 'Store', label: 'Store' });
    assert.deepEqual(componentLabel('source:binance'), { group: 'Source', label: 'Source binance' });
    assert.equal(componentLabel('candles:binance:BTC/USDT:1m').label, 'Candles BTC/USDT 1m · binance');
  });

  test('puts the worst first, then orders by name', () => {
    const lights = healthLightModels(components, {}, NOW);
    assert.deepEqual(
      lights.map((light) => [light.name, light.state]),
      [
        ['source:kraken', 'down'],
        ['candles:binance:BTC/USDT:1m', 'degraded'],
        ['bus', 'ok'],
        ['store', 'ok'],
      ],
    );
  });

  test('explains a light with its reason, check time and when it was last ok', () => {
    const lastSeen = updateLastSeenOk({}, [{ ...components[2]!, state: 'ok', checkedAtMs: NOW - 120_000 }]);
    const [down] = healthLightModels(components, lastSeen, NOW);
    assert.equal(down!.details[0], 'down: connection refused');
    assert.match(down!.details[1]!, /^checked 30 s ago \(2025-06-16 11:59:30 UTC\)$/);
    assert.equal(down!.details[2], 'last seen ok 2 min ago');
    const degraded = healthLightModels(components, {}, NOW)[1]!;
    assert.equal(degraded.details[2], 'not seen ok since this page opened');
    assert.ok(degraded.details.includes('age: 900 s'));
    const store = healthLightModels(components, {}, NOW).find((model) => model.name === 'store');
    assert.ok(store?.details.includes('engine: pglite'));
  });

  test('detail names read as words, not field names', () => {
    assert.equal(plainDetailName('lastSuccessAtMs'), 'last success at');
    assert.equal(plainDetailName('refreshedAtMs'), 'refreshed at');
    assert.equal(plainDetailName('markets'), 'markets');
    const [light] = healthLightModels(
      [
        {
          name: 'source:ordiscan',
          state: 'ok',
          reason: null,
          checkedAtMs: NOW,
          details: { kind: 'snapshots', lastSuccessAtMs: NOW - 60_000, cycles: 3, lastError: null },
        },
      ],
      {},
      NOW,
    );
    assert.ok(light!.details.includes('last success at: 2025-06-16 11:59 UTC'), light!.details.join(' | '));
    assert.ok(light!.details.includes('cycles: 3'));
    assert.ok(
      !light!.details.some((line) => /[a-z][A-Z]/.test(line.split(':')[0]!)),
      light!.details.join(' | '),
    );
  });

  test('remembers the last ok time and keeps the same object when nothing changed', () => {
    const first = updateLastSeenOk({}, components);
    assert.deepEqual(first, { store: NOW - 30_000, bus: NOW - 30_000 });
    assert.equal(updateLastSeenOk(first, components), first);
  });

  test('counts states', () => {
    assert.deepEqual(healthSummary(components), { ok: 2, degraded: 1, down: 1 });
  });
});

describe('<HealthLights>', () => {
  test('draws one light per component with its state and an accessible explanation', () => {
    render(<HealthLights lights={healthLightModels(components, {}, NOW)} />);
    const lights = screen.getAllByTestId('health-light');
    assert.equal(lights.length, 4);
    assert.deepEqual(
      lights.map((light) => light.getAttribute('data-state')),
      ['down', 'degraded', 'ok', 'ok'],
    );
    assert.equal(lights[0]!.getAttribute('aria-label'), 'Source kraken: down (connection refused)');
    assert.match(lights[0]!.querySelector('[role="tooltip"]')!.textContent ?? '', /down: connection refused/);
    assert.equal(lights[2]!.getAttribute('tabindex'), '0');
  });

  test('says so when the server reports no components', () => {
    render(<HealthLights lights={[]} />);
    assert.ok(screen.getByText('The server reports no components.'));
  });
});
