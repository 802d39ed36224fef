import {
  overviewPanels,
  userPreferencesSchema,
  type OverviewPanel,
  type UserPreferences,
} from '@runecast/contracts';
import type { ChartIndicatorName } from '@runecast/contracts';
import { ApiRequestError } from '../../lib/api-client.ts';

/** What the overview calls each panel. */
export const PANEL_LABELS: Record<OverviewPanel, string> = {
  watchlist: 'Watchlist',
  health: 'Health',
  markets: 'Markets',
  forecasts: 'Forecasts',
  runes: 'Runes',
  training: 'Training now',
  alerts: 'Open alerts',
};

/** One line of the layout editor: a panel, and whether the overview shows it. */
export interface PanelChoice {
  panel: OverviewPanel;
  shown: boolean;
}

/** The saved layout as an editable list: shown panels in their order, then the hidden ones. */
export function panelChoices(shown: readonly OverviewPanel[]): PanelChoice[] {
  return [
    ...shown.map((panel) => ({ panel, shown: true })),
    ...overviewPanels.filter((panel) => !shown.includes(panel)).map((panel) => ({ panel, shown: false })),
  ];
}

/** The shown panels of an edited list, in order: what is saved. */
export function shownPanels(choices: readonly PanelChoice[]): OverviewPanel[] {
  return choices.filter((choice) => choice.shown).map((choice) => choice.panel);
}

/** Moves one line up (-1) or down (+1); the list is unchanged at either end. */
export function moveChoice(choices: readonly PanelChoice[], index: number, by: -1 | 1): PanelChoice[] {
  const target = index + by;
  if (target < 0 || target >= choices.length) return [...choices];
  const next = [...choices];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

/**
 * Field-level problems by dotted path (`timeZone`, `chart.range`), from the contract checked in
 * the browser before sending or from the API's 400 answer after.
 */
export type FieldErrors = Partial<Record<string, string>>;

export function validatePreferences(
  preferences: unknown,
): { ok: true; value: UserPreferences } | { ok: false; errors: FieldErrors } {
  const parsed = userPreferencesSchema.safeParse(preferences);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((part) => typeof part === 'string').join('.');
    errors[path] ??= issue.message;
  }
  return { ok: false, errors };
}

/** The API's refusal by field (`body.chart.range` → `chart.range`); other errors under `''`. */
export function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiRequestError))
    return { '': error instanceof Error ? error.message : String(error) };
  const issues = error.details?.issues;
  const errors: FieldErrors = {};
  if (Array.isArray(issues)) {
    for (const issue of issues as { field?: unknown; message?: unknown }[]) {
      if (typeof issue.field !== 'string' || typeof issue.message !== 'string') continue;
      // Array items (`watchlist.2`) belong to their list's field.
      const field = issue.field
        .replace(/^body\.?/, '')
        .split('.')
        .filter((part) => !/^\d+$/.test(part))
        .join('.');
      errors[field] ??= issue.message;
    }
  }
  if (Object.keys(errors).length === 0) errors[''] = error.message;
  return errors;
}

/**
 * The indicators the market chart draws, as the workspace names them. The workspace also knows
 * moving averages (sma20, sma50, ema20) that the chart does not draw yet; they stay saved as
 * they are but are not offered.
 */
export const CHART_INDICATOR_OF = {
  bollinger: 'bollinger',
  rsi14: 'rsi',
  macd: 'macd',
} as const satisfies Partial<Record<UserPreferences['chart']['indicators'][number], ChartIndicatorName>>;

/** The market chart's opening indicators for a saved chart setting (`?ind=` in the address wins). */
export function chartIndicatorsOf(chart: UserPreferences['chart']): ChartIndicatorName[] {
  const names: ChartIndicatorName[] = [];
  for (const indicator of chart.indicators) {
    const drawn = CHART_INDICATOR_OF[indicator as keyof typeof CHART_INDICATOR_OF];
    if (drawn !== undefined) names.push(drawn);
  }
  if (chart.showVolume) names.push('volume');
  return names;
}
