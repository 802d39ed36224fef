/** @jsxRuntime automatic */
import '../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { MARKET_RANGES, RangePicker, withinRange, type TimeRange } from './range-picker.tsx';

/** Two charts of one page, each showing how many of its points the shared range keeps. */
function TwoCharts() {
  const [range, setRange] = useState<TimeRange | null>(null);
  const hourly = Array.from({ length: 48 }, (_, index) => index * 3600);
  const everyFiveMinutes = Array.from({ length: 24 * 12 * 3 }, (_, index) => index * 300);
  const seconds = range?.seconds ?? null;
  return (
    <div>
      <RangePicker ranges={MARKET_RANGES} selected={range?.label ?? null} onChoose={setRange} />
      <span data-testid="first">{withinRange(hourly, (time) => time, seconds).length}</span>
      <span data-testid="second">{withinRange(everyFiveMinutes, (time) => time, seconds).length}</span>
    </div>
  );
}

describe('one range picker for the charts of a page', () => {
  afterEach(cleanup);

  test('choosing a range presses its button and narrows every chart to it', () => {
    render(<TwoCharts />);
    const picker = screen.getByTestId('range-picker');
    const buttons = within(picker).getAllByRole('button');
    assert.deepEqual(
      buttons.map((button) => button.textContent),
      ['6H', '1D', '1W', '1M', '1Y', 'All'],
    );
    assert.ok(buttons.every((button) => button.getAttribute('aria-pressed') === 'false'));
    assert.equal(screen.getByTestId('first').textContent, '48');

    fireEvent.click(within(picker).getByRole('button', { name: '6H' }));
    assert.equal(within(picker).getByRole('button', { name: '6H' }).getAttribute('aria-pressed'), 'true');
    // Six hours back from each chart's newest point, both ends included.
    assert.equal(screen.getByTestId('first').textContent, '7');
    assert.equal(screen.getByTestId('second').textContent, String(6 * 12 + 1));

    fireEvent.click(within(picker).getByRole('button', { name: 'All' }));
    assert.equal(within(picker).getByRole('button', { name: '6H' }).getAttribute('aria-pressed'), 'false');
    assert.equal(screen.getByTestId('second').textContent, String(24 * 12 * 3));
  });
});
