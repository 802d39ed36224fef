import cliProgress from 'cli-progress';

/** A terminal progress bar on stderr; on a non-terminal it prints a line every few seconds instead. */
export interface ProgressBar {
  update(percent: number, detail: string): void;
  stop(): void;
}

const LINE_INTERVAL_MS = 5_000;

export function createProgressBar(label: string, enabled: boolean): ProgressBar {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {detail}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0, { detail: '' });
    return {
      update: (percent, detail) => bar.update(Math.min(100, Math.max(0, Math.round(percent))), { detail }),
      stop: () => bar.stop(),
    };
  }
  let lastLineAtMs = 0;
  return {
    update: (percent, detail) => {
      const nowMs = Date.now();
      if (nowMs - lastLineAtMs < LINE_INTERVAL_MS && percent < 100) return;
      lastLineAtMs = nowMs;
      process.stderr.write(`${label} ${percent.toFixed(1)}% ${detail}\n`);
    },
    stop: () => undefined,
  };
}
