/** @jsxRuntime automatic */
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render, screen, within } from '@testing-library/react';
import type { AdaptiveBandLevel } from '@runecast/contracts';
import { AdaptiveBandsTable, coverageGap } from './adaptive-bands.tsx';

const band80: AdaptiveBandLevel = {
  nominalCoverage: 0.8,
  alpha: 0.04,
  issuingCoverage: 0.96,
  gamma: 0.005,
  outcomes: 40,
  liveCoverage: 0.75,
  updatedAtMs: 1,
};
const band95: AdaptiveBandLevel = {
  nominalCoverage: 0.95,
  alpha: 0.05,
  issuingCoverage: 0.95,
  gamma: 0.005,
  outcomes: 0,
  liveCoverage: null,
  updatedAtMs: null,
};

describe('adaptive bands', () => {
  afterEach(cleanup);

  test('the gap to nominal is signed in percentage points', () => {
    assert.equal(coverageGap(band80), '−5.0 pp');
    assert.equal(coverageGap({ ...band80, liveCoverage: 0.812 }), '+1.2 pp');
    assert.equal(coverageGap(band95), '—');
  });

  test('a row per band with live coverage, the gap and the issuing coverage', () => {
    render(<AdaptiveBandsTable bands={[band80, band95]} />);
    const rows = within(screen.getByTestId('adaptive-bands')).getAllByRole('row');
    assert.equal(rows.length, 3);
    const first = rows[1]!.textContent ?? '';
    assert.match(first, /−5\.0 pp/);
    assert.match(first, /96\.0%/);
    assert.match(first, /40/);
    assert.match(rows[2]!.textContent ?? '', /—/);
  });
});
