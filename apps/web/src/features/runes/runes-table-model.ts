import type { Rune, RuneForecastSummary } from '@runecast/contracts';
import { formatHorizon } from '../../lib/format.ts';

export type RuneSortKey =
  'name' | 'priceSats' | 'priceUsd' | 'change1dPct' | 'volume1dBtc' | 'holders' | 'marketCapUsd' | 'forecast';

export type SortDirection = 'ascending' | 'descending';

export interface RuneSort {
  key: RuneSortKey;
  direction: SortDirection;
}

/** The list opens as the server orders it: largest market cap first. */
export const DEFAULT_RUNE_SORT: RuneSort = { key: 'marketCapUsd', direction: 'descending' };

/** Forecast change from the last close, as a ratio: what the forecast column sorts by. */
export function forecastChange(forecast: RuneForecastSummary | null): number | null {
  if (forecast === null || forecast.lastClose <= 0) return null;
  return forecast.point / forecast.lastClose - 1;
}

function sortValue(rune: Rune, key: RuneSortKey): number | string | null {
  if (key === 'name') return rune.name;
  if (key === 'forecast') return forecastChange(rune.forecast);
  return rune[key];
}

/**
 * Runes ordered by a column. Missing values go last in either direction: a rune without a
 * price is not the cheapest. Ties keep the name order.
 */
export function sortRunes(runes: readonly Rune[], sort: RuneSort): Rune[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...runes].sort((a, b) => {
    const left = sortValue(a, sort.key);
    const right = sortValue(b, sort.key);
    if (left === null && right === null) return a.name.localeCompare(b.name);
    if (left === null) return 1;
    if (right === null) return -1;
    const order =
      typeof left === 'string' || typeof right === 'string'
        ? String(left).localeCompare(String(right))
        : left - right;
    return order === 0 ? a.name.localeCompare(b.name) : sign * order;
  });
}

/** A click on a column: the same column flips its direction, another starts at its natural one. */
export function nextSort(current: RuneSort, key: RuneSortKey): RuneSort {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  return { key, direction: key === 'name' ? 'ascending' : 'descending' };
}

/** Letters and digits only, in capitals: `dog.go`, `DOG•GO` and `dog go` all read `DOGGO`. */
function letters(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Runes whose name (however spaced) or id contains the filter text. */
export function filterRunes(runes: readonly Rune[], text: string): Rune[] {
  const wanted = letters(text);
  const raw = text.trim().toLowerCase();
  if (wanted === '' && raw === '') return [...runes];
  return runes.filter(
    (rune) =>
      (wanted !== '' && letters(rune.name).includes(wanted)) ||
      (raw !== '' && (rune.id ?? '').toLowerCase().includes(raw)),
  );
}

const sats = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fineSats = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** Sats with thousands separators; below 100 sats with four significant digits. */
export function formatSats(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 100 ? sats.format(value) : fineSats.format(value);
}

/** `▲ 24h 1,234–1,456 sats`: direction of the point against the last close, horizon, 80% band. */
export function describeForecast(forecast: RuneForecastSummary): {
  direction: 'up' | 'down' | 'flat';
  text: string;
} {
  const change = forecast.point - forecast.lastClose;
  const direction = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  const arrow = direction === 'up' ? '▲' : direction === 'down' ? '▼' : '▶';
  return {
    direction,
    text: `${arrow} ${formatHorizon(forecast.horizonMinutes)} ${formatSats(forecast.lower80)}–${formatSats(forecast.upper80)} sats`,
  };
}
