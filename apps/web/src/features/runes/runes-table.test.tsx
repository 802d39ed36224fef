/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { Rune, RuneDetail } from '@runecast/contracts';
import { useState } from 'react';
import { MemoryRouter } from 'react-router';
import { ApiRequestError } from '../../lib/api-client.ts';
import { rune } from './runes-fixtures.ts';
import { DEFAULT_RUNE_SORT, nextSort, type RuneSort } from './runes-table-model.ts';
import { RunesTable } from './runes-table.tsx';
import { TrackRuneForm } from './track-rune-form.tsx';

const runes: Rune[] = [
  rune({
    name: 'DOG•GO•TO•THE•MOON',
    priceSats: 1500,
    priceUsd: 0.0015,
    holders: 90_000,
    marketCapUsd: 150_000_000,
    change1dPct: 2.5,
    simulated: true,
    tracked: true,
    sparkline: [1400, 1450, 1500],
    forecast: {
      series: 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m',
      horizonMinutes: 1440,
      modelType: 'naive-volatility',
      modelVersionId: 3,
      issuedAtMs: 1,
      targetTimeMs: 2,
      lastClose: 1300,
      point: 1345,
      lower80: 1234,
      upper80: 1456,
      lower95: 1100,
      upper95: 1600,
    },
  }),
  rune({
    name: 'SATOSHI•NAKAMOTO',
    priceSats: 3,
    holders: 120_000,
    marketCapUsd: 2_000_000,
    disagreement: { sources: ['ordiscan', 'unisat'], pct: 7.5 },
  }),
];

function SortableTable(props: { onUntrack?: (rune: Rune) => void }) {
  const [sort, setSort] = useState<RuneSort>(DEFAULT_RUNE_SORT);
  return (
    <MemoryRouter>
      <RunesTable
        runes={runes}
        sort={sort}
        onSort={(key) => setSort((current) => nextSort(current, key))}
        {...(props.onUntrack ? { onUntrack: props.onUntrack } : {})}
      />
    </MemoryRouter>
  );
}

const rowNames = () => screen.getAllByTestId('rune-row').map((row) => row.getAttribute('data-rune'));

describe('runes table', () => {
  afterEach(cleanup);

  test('shows each rune with its labels, forecast and sparkline, and links to its page', () => {
    render(<SortableTable />);
    const dog = screen.getAllByTestId('rune-row')[0]!;
    assert.equal(dog.getAttribute('data-rune'), 'DOG•GO•TO•THE•MOON');
    assert.equal(within(dog).getByTestId('rune-forecast').textContent, '▲ 24h 1,234–1,456 sats');
    assert.ok(within(dog).getByTestId('simulated'));
    assert.ok(within(dog).getByTestId('sparkline'));
    assert.equal(within(dog).getByRole('link').getAttribute('href'), '/runes/DOG.GO.TO.THE.MOON');
    assert.equal(dog.querySelector('[data-column=priceSats]')?.textContent, '1,500');
    assert.equal(dog.querySelector('[data-column=change1dPct]')?.textContent, '+2.50%');
    const satoshi = screen.getAllByTestId('rune-row')[1]!;
    assert.match(within(satoshi).getByTestId('disagreement').textContent ?? '', /providers disagree 7.5%/);
    assert.equal(within(satoshi).queryByTestId('simulated'), null);
    assert.equal(within(satoshi).queryByTestId('rune-forecast'), null);
  });

  test('a header button sorts by its column and says so in aria-sort', () => {
    render(<SortableTable />);
    assert.deepEqual(rowNames(), ['DOG•GO•TO•THE•MOON', 'SATOSHI•NAKAMOTO']);
    const holders = screen.getByRole('button', { name: /Holders/ });
    assert.equal(holders.tagName, 'BUTTON', 'reachable and pressed from the keyboard');
    fireEvent.click(holders);
    assert.deepEqual(rowNames(), ['SATOSHI•NAKAMOTO', 'DOG•GO•TO•THE•MOON']);
    assert.equal(holders.closest('th')?.getAttribute('aria-sort'), 'descending');
    fireEvent.click(holders);
    assert.deepEqual(rowNames(), ['DOG•GO•TO•THE•MOON', 'SATOSHI•NAKAMOTO']);
    assert.equal(holders.closest('th')?.getAttribute('aria-sort'), 'ascending');
    assert.equal(
      screen
        .getByRole('button', { name: /Market cap/ })
        .closest('th')
        ?.getAttribute('aria-sort'),
      'none',
    );
  });

  test('offers untracking only for tracked runes, and only when allowed', () => {
    const asked: string[] = [];
    render(<SortableTable onUntrack={(item) => asked.push(item.name)} />);
    const buttons = screen.getAllByRole('button', { name: /Stop tracking/ });
    assert.equal(buttons.length, 1);
    fireEvent.click(buttons[0]!);
    assert.deepEqual(asked, ['DOG•GO•TO•THE•MOON']);
    cleanup();
    render(<SortableTable />);
    assert.equal(screen.queryAllByRole('button', { name: /Stop tracking/ }).length, 0);
  });
});

describe('track rune form', () => {
  afterEach(cleanup);

  function Form(props: { answer: (name: string) => Promise<RuneDetail> }) {
    const [error, setError] = useState<unknown>(null);
    return (
      <MemoryRouter>
        <TrackRuneForm
          pending={false}
          error={error}
          track={(name) => {
            setError(null);
            return props.answer(name).catch((caught: unknown) => {
              setError(caught);
              throw caught;
            });
          }}
        />
      </MemoryRouter>
    );
  }

  test("sends the name as typed and shows the server's validation error", async () => {
    const sent: string[] = [];
    render(
      <Form
        answer={(name) => {
          sent.push(name);
          return Promise.reject(
            new ApiRequestError(400, 'validation_failed', 'request validation failed', {
              issues: [{ field: 'body.name', message: 'a rune name has only the letters A to Z' }],
            }),
          );
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText('Rune name'), { target: { value: ' dog1 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Track rune' }));
    const alert = await screen.findByRole('alert');
    assert.equal(alert.textContent, 'name: a rune name has only the letters A to Z');
    assert.deepEqual(sent, ['dog1']);
  });

  test('confirms the rune tracked, by the name the server gave back', async () => {
    render(
      <Form
        answer={() => Promise.resolve({ ...runes[0]!, stats: [], metrics: [], name: 'DOG•GO•TO•THE•MOON' })}
      />,
    );
    fireEvent.change(screen.getByLabelText('Rune name'), { target: { value: 'dog.go.to.the.moon' } });
    fireEvent.click(screen.getByRole('button', { name: 'Track rune' }));
    const done = await screen.findByTestId('rune-tracked');
    assert.match(done.textContent ?? '', /Tracking DOG•GO•TO•THE•MOON/);
    assert.equal((screen.getByLabelText('Rune name') as HTMLInputElement).value, '');
  });
});
