import type { ReadyResponse, RuneDetail } from '@runecast/contracts';

type Component = ReadyResponse['components'][number];

/** The provider whose stats carry a metric, the primary one first; null when none does. */
export function metricSource(detail: Pick<RuneDetail, 'source' | 'stats'>, metric: string): string | null {
  const ordered = [...detail.stats].sort(
    (a, b) => Number(b.source === detail.source) - Number(a.source === detail.source),
  );
  return ordered.find((entry) => entry.metrics[metric] !== undefined)?.source ?? null;
}

/** The `source:<id>` health checks of the providers that reported this rune. */
export function sourceHealth(components: readonly Component[], sources: readonly string[]): Component[] {
  const wanted = new Set(sources.map((source) => `source:${source}`));
  return components.filter((component) => wanted.has(component.name));
}

/** Every metric name the providers reported, in a stable order, for the stats table's columns. */
export function statColumns(stats: RuneDetail['stats']): string[] {
  const names = new Set<string>();
  for (const entry of stats) for (const name of Object.keys(entry.metrics)) names.add(name);
  return [...names].sort();
}

/** Metric names read by people: `volume_1d_btc` → `volume 1d btc`. */
export function metricLabel(name: string): string {
  return name.replaceAll('_', ' ');
}
