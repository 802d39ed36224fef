import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeDecimalRows } from './decimal-rows.ts';

/** What the usual path makes of the same text: JSON.parse, then Number() of every value. */
function parsedTheUsualWay(text: string): number[][] {
  return (JSON.parse(text) as unknown[][]).map((row) => row.map((value) => Number(value)));
}

function assertSameAsUsual(text: string): void {
  const decoded = decodeDecimalRows(text);
  assert.ok(decoded !== null, `decodes ${text.slice(0, 60)}`);
  const expected = parsedTheUsualWay(text);
  assert.equal(decoded.length, expected.length);
  decoded.forEach((row, rowIndex) => {
    assert.equal(row.length, expected[rowIndex]!.length);
    // Object.is tells -0 from 0 and compares every bit of the double.
    row.forEach((value, column) =>
      assert.ok(
        Object.is(value, expected[rowIndex]![column]),
        `row ${rowIndex} column ${column}: ${value} vs ${expected[rowIndex]![column]}`,
      ),
    );
  });
}

describe('decimal rows read straight from the text', () => {
  test('a kline page, compact and pretty-printed, gives the same numbers as JSON.parse and Number', () => {
    const rows = [
      [
        1688169600000,
        '30471.99000000',
        '30480.00000000',
        '30465.01000000',
        '30477.10000000',
        '12.34567000',
        1688169659999,
        '376123.45678912',
        812,
        '6.10000000',
        '185912.00000001',
        '0',
      ],
      [
        1688169660000,
        '0.00000123',
        '0.00000130',
        '0.00000120',
        '0.00000129',
        '98765432.10000000',
        1688169719999,
        '120.5',
        0,
        '0',
        '0',
        '0',
      ],
    ];
    assertSameAsUsual(JSON.stringify(rows));
    assertSameAsUsual(JSON.stringify(rows, null, 2));
    assertSameAsUsual(`\n [ [1, "2" ,3.5 ] ,\t[ -4,"-0.25"] ]\r\n`);
  });

  test('empty pages and rows, and every number form JSON allows', () => {
    assert.deepEqual(decodeDecimalRows('[]'), []);
    assert.deepEqual(decodeDecimalRows(' [ ] '), []);
    assert.deepEqual(decodeDecimalRows('[[]]'), [[]]);
    assertSameAsUsual(
      '[[0, -0, "-0", "0.0", 1e3, 2.5E-3, -1e+2, 123456789012345678, "1234567890.123456789"]]',
    );
    assertSameAsUsual('[["007", "00.50", 9007199254740993, "0.1", "0.2", "0.30000000000000004"]]');
  });

  test('random decimals of every length round exactly as Number() does', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const row: (string | number)[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const magnitude = 10 ** Math.floor(random() * 16 - 8);
      const value = (random() - 0.3) * magnitude;
      const places = Math.floor(random() * 12);
      row.push(index % 3 === 0 ? Number(value.toFixed(places)) : value.toFixed(places));
    }
    assertSameAsUsual(JSON.stringify([row]));
  });

  test('anything outside the shape is left to the usual parser', () => {
    const outside = [
      '',
      '{"code":-1121,"msg":"Invalid symbol."}',
      '[{"t":1}]',
      '[1, 2]',
      '[[1, null]]',
      '[[true]]',
      '[[[1]]]',
      '[["abc"]]',
      '[[""]]',
      '[[" 1"]]',
      '[["1e5"]]',
      '[["+1"]]',
      '[["1."]]',
      '[[".5"]]',
      '[["1\\u0030"]]',
      '[[01]]',
      '[[+1]]',
      '[[1.]]',
      '[[1e]]',
      '[[1,]]',
      '[[1] [2]]',
      '[[1]] x',
      '[[1],',
      '[[1, "2',
      '[[NaN]]',
    ];
    for (const text of outside) assert.equal(decodeDecimalRows(text), null, text);
  });
});
