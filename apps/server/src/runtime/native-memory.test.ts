import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';

const onGlibc =
  process.platform === 'linux' &&
  (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime !== undefined;

interface Outcome {
  settings: string[];
  allocatedMb: number;
  afterFreeMb: number;
  afterReleaseMb: number;
}

/**
 * In a fresh process: tunes the allocator with `environment`, allocates 3,000 blocks of 64 kB
 * outside the JavaScript heap, frees nine in ten (the tenth keeps the holes from being the top of
 * the heap), and reads resident memory after the free and after a release.
 */
function fragment(environment: Record<string, string>): Outcome {
  const script = `
    import { startNativeMemoryTuning } from ${JSON.stringify(new URL('./native-memory.ts', import.meta.url).href)};
    const memory = await startNativeMemoryTuning(${JSON.stringify(environment)});
    const rss = () => process.memoryUsage().rss / 1048576;
    const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); globalThis.gc(); };
    await settle();
    const start = rss();
    let blocks = [];
    for (let i = 0; i < 3000; i += 1) blocks.push(Buffer.allocUnsafeSlow(64 * 1024).fill(1));
    const allocatedMb = rss() - start;
    blocks = blocks.filter((_, i) => i % 10 === 0);
    await settle();
    const afterFreeMb = rss() - start;
    memory.release();
    const afterReleaseMb = rss() - start;
    memory.stop();
    process.stdout.write(JSON.stringify({ settings: memory.settings, allocatedMb, afterFreeMb, afterReleaseMb }));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    }),
  ) as Outcome;
}

describe('native memory settings', { skip: onGlibc ? false : 'glibc only' }, () => {
  test('freed blocks go back to the system at once with the mmap threshold set', () => {
    const outcome = fragment({});
    assert.ok(outcome.settings.includes('mmap threshold 32 kB'), outcome.settings.join(', '));
    assert.ok(outcome.allocatedMb > 150, `allocated ${outcome.allocatedMb} MB`);
    // A tenth (about 19 MB) stays allocated.
    assert.ok(
      outcome.afterFreeMb < 60,
      `resident after the free: ${outcome.afterFreeMb} of ${outcome.allocatedMb} MB`,
    );
  });

  test('a threshold the user set is left alone, and a release hands the holes back', () => {
    const outcome = fragment({ MALLOC_MMAP_THRESHOLD_: '1048576' });
    assert.ok(
      !outcome.settings.some((setting) => setting.startsWith('mmap threshold')),
      outcome.settings.join(', '),
    );
    // Without the threshold the freed blocks stay in malloc's heap until released.
    assert.ok(outcome.afterFreeMb > 120, `resident after the free: ${outcome.afterFreeMb} MB`);
    assert.ok(outcome.afterReleaseMb < 60, `resident after the release: ${outcome.afterReleaseMb} MB`);
  });
});
