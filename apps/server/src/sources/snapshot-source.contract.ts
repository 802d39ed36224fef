// One contract for every snapshot source (the runes providers, replays, test sources): what it
// returns is valid and labelled, it never invents a value, and an instrument it cannot read is
// named in `rejected` instead of failing the batch. Each implementation runs it with
// `runSnapshotSourceContract`, the way the market-data, store, bus and cache suites are run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isValidExchangeId, isValidMetricName, isValidSymbol, TIMEFRAMES } from '@runecast/market';
import type { SnapshotSource } from './snapshot-source.port.ts';

export interface SnapshotSourceContractSubject {
  source: SnapshotSource;
  /** An instrument the source lists and serves. */
  symbol: string;
  /** A well-formed instrument the source does not know. */
  unknownSymbol: string;
  close?: () => Promise<void>;
}

export function runSnapshotSourceContract(
  name: string,
  open: () => Promise<SnapshotSourceContractSubject>,
): void {
  describe(`snapshot source contract: ${name}`, () => {
    let subject: SnapshotSourceContractSubject;
    let source: SnapshotSource;

    before(async () => {
      subject = await open();
      source = subject.source;
    });

    after(async () => {
      await source?.close();
      await subject?.close?.();
    });

    test('declares an id, the snapshots kind, a known poll timeframe and sane limits', () => {
      assert.ok(isValidExchangeId(source.id), source.id);
      assert.equal(source.kind, 'snapshots');
      assert.ok((TIMEFRAMES as readonly string[]).includes(source.capabilities.pollTimeframe));
      assert.ok(Number.isSafeInteger(source.capabilities.batchLimit) && source.capabilities.batchLimit > 0);
      assert.ok(source.capabilities.rateLimitMs >= 0);
      const volume = source.capabilities.cumulativeVolumeMetric;
      if (volume !== undefined) assert.ok(isValidMetricName(volume), volume);
    });

    test('lists valid, distinct instruments, the subject among them, within the limit', async () => {
      const instruments = await source.listInstruments();
      assert.ok(instruments.some((instrument) => instrument.symbol === subject.symbol));
      assert.equal(new Set(instruments.map((instrument) => instrument.symbol)).size, instruments.length);
      for (const instrument of instruments) {
        assert.ok(isValidSymbol(instrument.symbol), instrument.symbol);
        assert.ok(instrument.name.length > 0);
        assert.equal(typeof instrument.simulated, 'boolean');
      }
      const two = await source.listInstruments({ limit: 2 });
      assert.ok(two.length <= 2);
    });

    test('a snapshot is labelled, valid and of an instrument asked for', async () => {
      const { snapshots, rejected } = await source.fetchSnapshots({ symbols: [subject.symbol] });
      assert.deepEqual(rejected, []);
      assert.equal(snapshots.length, 1);
      for (const snapshot of snapshots) {
        assert.equal(snapshot.source, source.id);
        assert.equal(snapshot.symbol, subject.symbol);
        assert.ok(Number.isSafeInteger(snapshot.observedAtMs) && snapshot.observedAtMs > 0);
        assert.ok(snapshot.price === null || (Number.isFinite(snapshot.price) && snapshot.price > 0));
        for (const [metric, value] of Object.entries(snapshot.metrics)) {
          assert.ok(isValidMetricName(metric), metric);
          assert.ok(Number.isFinite(value), `${metric} = ${value}`);
        }
        assert.equal(typeof snapshot.simulated, 'boolean');
      }
    });

    test('an instrument it does not know is rejected by name, without failing the others', async () => {
      const { snapshots, rejected } = await source.fetchSnapshots({
        symbols: [subject.symbol, subject.unknownSymbol],
      });
      assert.deepEqual(
        snapshots.map((snapshot) => snapshot.symbol),
        [subject.symbol],
      );
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]?.symbol, subject.unknownSymbol);
      assert.ok((rejected[0]?.reason.length ?? 0) > 0);
    });
  });
}
