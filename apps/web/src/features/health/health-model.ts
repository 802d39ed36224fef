import type { ReadyResponse } from '@runecast/contracts';
import { formatRelative, formatTimeUtc } from '../../lib/format.ts';

export type ComponentHealth = ReadyResponse['components'][number];
export type HealthState = ComponentHealth['state'];

/** When each component was last seen `ok`, by name. */
export type LastSeenOk = Readonly<Record<string, number>>;

export interface HealthLightModel {
  name: string;
  label: string;
  group: string;
  state: HealthState;
  reason: string | null;
  checkedAtMs: number;
  lastSeenOkAtMs: number | null;
  /** Lines of the hover card, most important first. */
  details: string[];
}

const STATE_ORDER: Record<HealthState, number> = { down: 0, degraded: 1, ok: 2 };

/** `candles:binance:BTC/USDT:1m` → `Candles BTC/USDT 1m`; `source:binance` → `Source binance`. */
export function componentLabel(name: string): { group: string; label: string } {
  const [kind = name, ...rest] = name.split(':');
  const group = kind.charAt(0).toUpperCase() + kind.slice(1);
  if (rest.length === 0) return { group, label: group };
  if (kind === 'candles' || kind === 'forecast' || kind === 'forecasts') {
    // exchange:BASE/QUOTE:timeframe; the exchange is shown when it is not the only one.
    const [exchange, symbol, timeframe] = rest;
    return {
      group,
      label: `${group} ${symbol ?? ''} ${timeframe ?? ''}`.trim() + (exchange ? ` · ${exchange}` : ''),
    };
  }
  return { group, label: `${group} ${rest.join(':')}` };
}

/** Remembers, across polls, the last time each component answered `ok`. */
export function updateLastSeenOk(previous: LastSeenOk, components: readonly ComponentHealth[]): LastSeenOk {
  let changed = false;
  const next: Record<string, number> = { ...previous };
  for (const component of components) {
    if (component.state === 'ok' && next[component.name] !== component.checkedAtMs) {
      next[component.name] = component.checkedAtMs;
      changed = true;
    }
  }
  return changed ? next : previous;
}

/** A detail's key in plain words: `lastSuccessAtMs` → `last success at`, `refreshedAtMs` → `refreshed at`. */
export function plainDetailName(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

function describeDetail(name: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && /ageMs$/.test(name)) return `age: ${Math.round(value / 1000)} s`;
  if (typeof value === 'number' && /Ms$/.test(name) && /time|At/i.test(name))
    return `${plainDetailName(name)}: ${formatTimeUtc(value)}`;
  if (typeof value === 'number' && /Ms$/.test(name))
    return `${plainDetailName(name)}: ${Math.round(value / 1000)} s`;
  if (typeof value === 'object') return null;
  return `${plainDetailName(name)}: ${String(value)}`;
}

/** What the health lights show, worst first, then by name. */
export function healthLightModels(
  components: readonly ComponentHealth[],
  lastSeenOk: LastSeenOk,
  nowMs: number,
): HealthLightModel[] {
  return [...components]
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name))
    .map((component) => {
      const { group, label } = componentLabel(component.name);
      const lastSeenOkAtMs =
        component.state === 'ok' ? component.checkedAtMs : (lastSeenOk[component.name] ?? null);
      const details = [
        component.state === 'ok' ? 'ok' : `${component.state}: ${component.reason ?? 'no reason given'}`,
        `checked ${formatRelative(component.checkedAtMs, nowMs)} (${formatTimeUtc(component.checkedAtMs, true)})`,
        lastSeenOkAtMs === null
          ? 'not seen ok since this page opened'
          : `last seen ok ${formatRelative(lastSeenOkAtMs, nowMs)}`,
      ];
      for (const [key, value] of Object.entries(component.details ?? {})) {
        const line = describeDetail(key, value);
        if (line !== null && details.length < 9) details.push(line);
      }
      return {
        name: component.name,
        label,
        group,
        state: component.state,
        reason: component.reason,
        checkedAtMs: component.checkedAtMs,
        lastSeenOkAtMs,
        details,
      };
    });
}

/** Counts per state, for the summary line. */
export function healthSummary(components: readonly ComponentHealth[]): Record<HealthState, number> {
  const counts: Record<HealthState, number> = { ok: 0, degraded: 0, down: 0 };
  for (const component of components) counts[component.state] += 1;
  return counts;
}
