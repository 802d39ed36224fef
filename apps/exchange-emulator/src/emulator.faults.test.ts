import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import ccxt, { type Exchange } from 'ccxt';
import { WebSocket } from 'ws';
import { emulatorOverrides, startEmulator, type FaultReport, type RunningEmulator } from './index.ts';

const START_MS = Date.UTC(2025, 0, 6, 12, 0);

function restClient(id: 'binance' | 'kraken', url: string, timeoutMs = 10_000): Exchange {
  return new ccxt[id]({ ...emulatorOverrides(id, url), enableRateLimit: false, timeout: timeoutMs });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the call to fail');
}

/** Raw stream messages of one Binance subscription (text as received). */
async function collectBinanceMessages(url: string, stream: string, count: number): Promise<string[]> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/binance/ws`);
  const messages: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: [stream], id: 1 }));
      });
      socket.on('message', (data) => {
        const text = data.toString();
        if (text.includes('"result":null')) return;
        messages.push(text);
        if (messages.length >= count) resolve();
      });
      socket.once('error', reject);
      socket.once('close', () => resolve());
      setTimeout(() => reject(new Error(`only ${messages.length} messages`)), 10_000).unref();
    });
  } finally {
    socket.terminate();
  }
  return messages;
}

describe('fault injection', () => {
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({ startTime: START_MS, speed: 600, seed: 8, simulatedHistoryDays: 2 });
  });
  afterEach(() => emulator.faults.clear());
  after(async () => emulator?.close());

  test('HTTP 429 and 418 carry Retry-After and become ccxt rate-limit errors', async () => {
    for (const id of ['binance', 'kraken'] as const) {
      const exchange = restClient(id, emulator.url);
      await exchange.loadMarkets();
      const endpoint = id === 'binance' ? 'klines' : 'OHLC';
      emulator.faults.add({ kind: 'http-429', exchange: id, endpoint, retryAfterSeconds: 7 });
      const limited = await rejection(exchange.fetchOHLCV('BTC/USDT', '1m'));
      assert.ok(
        limited instanceof ccxt.DDoSProtection || limited instanceof ccxt.RateLimitExceeded,
        `${id}: ${limited.name}`,
      );
      assert.equal((await exchange.fetchOHLCV('BTC/USDT', '1m')).length > 0, true, 'a count of 1 fires once');
      emulator.faults.add({ kind: 'http-418', exchange: id, endpoint, retryAfterSeconds: 30 });
      const banned = await rejection(exchange.fetchOHLCV('BTC/USDT', '1m'));
      assert.ok(banned instanceof ccxt.DDoSProtection, `${id}: ${banned.name}`);
    }
    emulator.faults.add({ kind: 'http-429', exchange: 'binance', endpoint: 'time', retryAfterSeconds: 7 });
    const response = await fetch(`${emulator.url}/binance/api/v3/time`);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '7');
    assert.equal(((await response.json()) as { code: number }).code, -1003);
  });

  test('5xx answers become ExchangeNotAvailable, 504 a RequestTimeout; both are NetworkErrors', async () => {
    const binance = restClient('binance', emulator.url);
    const kraken = restClient('kraken', emulator.url);
    emulator.faults.add({ kind: 'http-5xx', statusCode: 503, count: 2 });
    const unavailable = await rejection(binance.fetchTime());
    assert.ok(unavailable instanceof ccxt.ExchangeNotAvailable, unavailable.name);
    const krakenUnavailable = await rejection(kraken.fetchTime());
    assert.ok(krakenUnavailable instanceof ccxt.ExchangeNotAvailable, krakenUnavailable.name);
    emulator.faults.add({ kind: 'http-5xx', statusCode: 504, exchange: 'binance' });
    const timedOut = await rejection(binance.fetchTime());
    assert.ok(
      timedOut instanceof ccxt.RequestTimeout && timedOut instanceof ccxt.NetworkError,
      timedOut.name,
    );
  });

  test('slow answers arrive late, or time out in the client', async () => {
    emulator.faults.add({ kind: 'http-slow', exchange: 'binance', endpoint: 'ping', delayMs: 300, count: 2 });
    const startedMs = Date.now();
    await fetch(`${emulator.url}/binance/api/v3/ping`);
    assert.ok(Date.now() - startedMs >= 290);
    const impatient = restClient('binance', emulator.url, 100);
    const error = await rejection(impatient.publicGetPing());
    assert.ok(error instanceof ccxt.RequestTimeout, error.name);
  });

  test('skip, count and probability decide which requests fail', async () => {
    const rule = emulator.faults.add({ kind: 'http-5xx', endpoint: 'TIME', skip: 2, count: 1 });
    const statuses: number[] = [];
    for (let request = 0; request < 5; request += 1) {
      statuses.push((await fetch(`${emulator.url}/binance/api/v3/time`)).status);
    }
    assert.deepEqual(statuses, [200, 200, 503, 200, 200]);
    assert.equal(emulator.faults.report().rules.find((candidate) => candidate.id === rule.id)?.fired, 1);
    emulator.faults.clear();
    emulator.faults.add({ kind: 'http-5xx', endpoint: 'time', probability: 0 });
    assert.equal((await fetch(`${emulator.url}/binance/api/v3/time`)).status, 200);
    emulator.faults.clear();
    emulator.faults.add({ kind: 'http-5xx', endpoint: 'time', probability: 0.5 });
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, async () => (await fetch(`${emulator.url}/binance/api/v3/time`)).status),
    );
    const failed = outcomes.filter((status) => status === 503).length;
    assert.ok(failed > 5 && failed < 35, `${failed} of 40 failed`);
  });

  test('a websocket drop mid-stream rejects the ccxt watcher, and watching again reconnects', async () => {
    for (const id of ['binance', 'kraken'] as const) {
      const exchange = new ccxt.pro[id]({ ...emulatorOverrides(id, emulator.url), enableRateLimit: false });
      try {
        await exchange.watchTrades('BTC/USDT');
        emulator.faults.add({ kind: 'ws-drop', exchange: id, stream: 'trade', skip: 1 });
        const before = emulator.faults.injected('ws-drop');
        let dropped: Error | null = null;
        for (let attempt = 0; attempt < 50 && dropped === null; attempt += 1) {
          try {
            await exchange.watchTrades('BTC/USDT');
          } catch (error) {
            dropped = error as Error;
          }
        }
        assert.ok(dropped instanceof ccxt.NetworkError, `${id}: ${dropped?.name}`);
        assert.equal(emulator.faults.injected('ws-drop'), before + 1);
        const again = await exchange.watchTrades('BTC/USDT');
        assert.ok(again.length > 0, `${id} streams again after reconnecting`);
      } finally {
        await exchange.close();
      }
    }
  });

  test('malformed, duplicated and out-of-order messages reach the client as such', async () => {
    emulator.faults.add({ kind: 'ws-malformed', stream: 'aggTrade', skip: 1, count: 1 });
    // Rules may also match a stream of an earlier connection that is still closing, so each
    // check looks for the fault anywhere in a few messages rather than at one position.
    const truncated = await collectBinanceMessages(emulator.url, 'btcusdt@aggTrade', 6);
    const unreadable = truncated.filter((text) => !isJson(text));
    assert.equal(unreadable.length, 1, truncated.join('\n'));

    emulator.faults.add({ kind: 'ws-malformed', variant: 'bad-values', stream: 'aggTrade', count: 1 });
    const [badValues] = await collectBinanceMessages(emulator.url, 'btcusdt@aggTrade', 1);
    const parsed = JSON.parse(badValues!) as { p: string; q: string; e: string };
    assert.equal(parsed.e, 'aggTrade');
    assert.equal(parsed.p, 'NaN');

    emulator.faults.add({ kind: 'ws-duplicate', stream: 'aggTrade', skip: 1, count: 1 });
    const duplicated = await collectBinanceMessages(emulator.url, 'btcusdt@aggTrade', 6);
    assert.ok(
      duplicated.some((text, index) => index > 0 && text === duplicated[index - 1]),
      duplicated.join('\n'),
    );

    emulator.faults.add({ kind: 'ws-out-of-order', stream: 'aggTrade', skip: 1, count: 1 });
    const reordered = (await collectBinanceMessages(emulator.url, 'btcusdt@aggTrade', 6)).map(
      (text) => (JSON.parse(text) as { a: number }).a,
    );
    assert.ok(
      reordered.some((id, index) => index > 0 && id < reordered[index - 1]!),
      `ids ${reordered.join(', ')}`,
    );
    assert.equal(emulator.faults.injected('ws-malformed'), 2);
    assert.equal(emulator.faults.injected('ws-duplicate'), 1);
    assert.equal(emulator.faults.injected('ws-out-of-order'), 1);
  });

  test('the control API adds, lists, counts and clears faults, and names bad fields', async () => {
    const added = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        faults: [{ kind: 'http-5xx', exchange: 'kraken', endpoint: 'Time', count: 1 }],
      }),
    });
    assert.equal(added.status, 201);
    assert.equal((await fetch(`${emulator.url}/kraken/0/public/Time`)).status, 503);
    const report = (await (await fetch(`${emulator.url}/__emulator/faults`)).json()) as FaultReport;
    assert.equal(report.rules[0]?.fired, 1);
    assert.ok(report.counters.byKind['http-5xx'] >= 1);
    assert.ok(report.counters.byExchange.kraken >= 1);

    const cleared = (await (
      await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' })
    ).json()) as FaultReport;
    assert.deepEqual(cleared.rules, []);
    assert.ok(cleared.counters.total > 0, 'counters outlive cleared rules');
    const reset = (await (
      await fetch(`${emulator.url}/__emulator/faults?counters=true`, { method: 'DELETE' })
    ).json()) as FaultReport;
    assert.equal(reset.counters.total, 0);

    for (const body of [
      { kind: 'http-999' },
      { kind: 'http-429', probability: 2 },
      { kind: 'ws-drop', endpoint: 'klines' },
    ]) {
      const refused = await fetch(`${emulator.url}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(refused.status, 400);
      const message = ((await refused.json()) as { error: { message: string } }).error.message;
      assert.match(message, /kind|probability|endpoint/);
    }
    assert.deepEqual(emulator.faults.report().rules, []);
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
