import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../usage-error.ts';
import { parseAdaptiveBandsFlag } from './forecast-command-support.ts';

describe('--adaptive-bands', () => {
  test('absent, bare or a step in (0, 1)', () => {
    assert.equal(parseAdaptiveBandsFlag(undefined, 0.005), undefined);
    assert.equal(parseAdaptiveBandsFlag(true, 0.005), 0.005);
    assert.equal(parseAdaptiveBandsFlag('0.02', 0.005), 0.02);
  });

  test('anything else is a usage error naming the flag', () => {
    for (const value of ['0', '1', '-0.1', 'fast', ' ']) {
      assert.throws(
        () => parseAdaptiveBandsFlag(value, 0.005),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match((error as Error).message, /--adaptive-bands/);
          return true;
        },
      );
    }
  });
});
