import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from './errors.ts';
import { isRuneId, parseRuneName, runeOfSymbol, runeSymbol, spaceRuneName } from './rune.ts';
import { isValidSymbol } from './series-key.ts';

test('one rune however it is typed', () => {
  for (const typed of [
    'DOG•GO•TO•THE•MOON',
    'dog.go.to.the.moon',
    ' DOG GO TO THE MOON ',
    'Dog•Go.To The•Moon',
  ]) {
    assert.deepEqual(parseRuneName(typed), {
      spaced: 'DOG•GO•TO•THE•MOON',
      unspaced: 'DOGGOTOTHEMOON',
      spacers: 0b1001010100,
    });
  }
  assert.deepEqual(parseRuneName('DOGGOTOTHEMOON'), {
    spaced: 'DOGGOTOTHEMOON',
    unspaced: 'DOGGOTOTHEMOON',
    spacers: 0,
  });
  const uncommon = parseRuneName('uncommon.goods');
  assert.equal(uncommon.spacers, 128);
  assert.equal(spaceRuneName(uncommon.unspaced, uncommon.spacers), 'UNCOMMON•GOODS');
});

test('names the protocol refuses are refused with the rule', () => {
  for (const bad of ['', '•DOG', 'DOG•', 'DOG1', 'DÖG', 'A'.repeat(27), 'DOG/SATS']) {
    assert.throws(() => parseRuneName(bad), ValidationError, bad);
  }
  assert.equal(parseRuneName('A'.repeat(26)).unspaced.length, 26);
});

test('spacers bitfield: bit n puts a spacer after letter n', () => {
  assert.equal(spaceRuneName('UNCOMMONGOODS', 128), 'UNCOMMON•GOODS');
  assert.equal(spaceRuneName('AAAA', 1), 'A•AAA');
  // Trailing spacers are ignored.
  assert.equal(spaceRuneName('AB', 0b10), 'AB');
});

test('rune ids and rune instruments', () => {
  assert.ok(isRuneId('840000:3'));
  assert.ok(!isRuneId('839999:1'));
  assert.ok(!isRuneId('840000'));
  assert.equal(runeSymbol('dog.go.to.the.moon'), 'DOG•GO•TO•THE•MOON/SATS');
  assert.ok(isValidSymbol(runeSymbol('A'.repeat(13) + '.' + 'B'.repeat(13))));
  assert.ok(isValidSymbol(runeSymbol(Array.from({ length: 26 }, () => 'A').join('.'))));
  assert.deepEqual(runeOfSymbol('DOG•GO•TO•THE•MOON/SATS')?.unspaced, 'DOGGOTOTHEMOON');
  assert.equal(runeOfSymbol('BTC/USDT'), null);
});
