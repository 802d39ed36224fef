/** @jsxRuntime automatic */
import {
  chartRanges,
  type ChartRange,
  type UserPreferences,
  type UserPreferencesResponse,
} from '@runecast/contracts';
import { horizonChoicesMinutes, isTimeframe, parseSeriesKey, type Timeframe } from '@runecast/market';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { QueryView } from '../../components/query-state.tsx';
import { browserTimeZone, formatHorizon } from '../../lib/format.ts';
import { preferencesOf, usePreferences, useSavePreferences, useTimeFormat } from '../../lib/preferences.ts';
import { FormField } from '../alerts/alert-rule-form.tsx';
import { allTimeframes, seriesKey, useTrackedMarkets } from '../markets/market-queries.ts';
import { useRunes } from '../runes/runes-queries.ts';
import {
  CHART_INDICATOR_OF,
  moveChoice,
  PANEL_LABELS,
  panelChoices,
  serverFieldErrors,
  shownPanels,
  validatePreferences,
  type FieldErrors,
  type PanelChoice,
} from './workspace-model.ts';

const INDICATOR_LABELS: Record<keyof typeof CHART_INDICATOR_OF, string> = {
  bollinger: 'Bollinger bands',
  rsi14: 'RSI 14',
  macd: 'MACD',
};

/** Every IANA zone the browser knows, offered as suggestions (any valid name may be typed). */
function knownTimeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** A form's state: the saved workspace with the default market split into market and timeframe. */
interface Draft {
  watchlist: string[];
  /** `exchange:symbol`, or '' for none. */
  defaultMarket: string;
  defaultTimeframe: Timeframe;
  /** Minutes as text, or '' for none. */
  defaultHorizon: string;
  chart: UserPreferences['chart'];
  /** '' for the browser's own. */
  timeZone: string;
  panels: PanelChoice[];
}

function draftOf(preferences: UserPreferences): Draft {
  const parsed = preferences.defaultSeries === null ? null : parseSeriesKey(preferences.defaultSeries);
  return {
    watchlist: [...preferences.watchlist],
    defaultMarket: parsed === null ? '' : `${parsed.exchange}:${parsed.symbol}`,
    defaultTimeframe: parsed?.timeframe ?? '1m',
    defaultHorizon:
      preferences.defaultHorizonMinutes === null ? '' : String(preferences.defaultHorizonMinutes),
    chart: { ...preferences.chart, indicators: [...preferences.chart.indicators] },
    timeZone: preferences.timeZone ?? '',
    panels: panelChoices(preferences.overviewPanels),
  };
}

function preferencesFromDraft(draft: Draft): unknown {
  const separator = draft.defaultMarket.indexOf(':');
  return {
    watchlist: draft.watchlist,
    defaultSeries:
      draft.defaultMarket === ''
        ? null
        : seriesKey(
            draft.defaultMarket.slice(0, separator),
            draft.defaultMarket.slice(separator + 1),
            draft.defaultTimeframe,
          ),
    defaultHorizonMinutes: draft.defaultHorizon === '' ? null : Number(draft.defaultHorizon),
    timeZone: draft.timeZone.trim() === '' ? null : draft.timeZone.trim(),
    chart: draft.chart,
    overviewPanels: shownPanels(draft.panels),
  };
}

function WorkspaceForm(props: { answer: UserPreferencesResponse }) {
  const saved = useMemo(() => preferencesOf(props.answer), [props.answer]);
  const updatedAtMs = props.answer.updatedAtMs;
  const save = useSavePreferences();
  const markets = useTrackedMarkets();
  const runes = useRunes();
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [savedAtMs, setSavedAtMs] = useState<number | null>(null);
  const timeZones = useMemo(knownTimeZones, []);
  const timeZoneListId = useId();
  const browserZone = browserTimeZone();
  const { formatTime } = useTimeFormat();
  // Saved elsewhere meanwhile (another tab, a star on a market page): start again from that.
  useEffect(() => setDraft(draftOf(saved)), [saved]);

  const update = (change: Partial<Draft>, ...fields: string[]) => {
    setDraft((current) => ({ ...current, ...change }));
    setSavedAtMs(null);
    if (fields.length > 0) {
      setErrors((current) => {
        const next = { ...current };
        for (const field of fields) delete next[field];
        delete next[''];
        return next;
      });
    }
  };
  const updateChart = (change: Partial<UserPreferences['chart']>, field: string) =>
    update({ chart: { ...draft.chart, ...change } }, `chart.${field}`, 'chart');

  const horizons = horizonChoicesMinutes(draft.defaultTimeframe);
  const marketChoices = (markets.data ?? []).map((market) => `${market.exchange}:${market.symbol}`);
  if (draft.defaultMarket !== '' && !marketChoices.includes(draft.defaultMarket)) {
    marketChoices.push(draft.defaultMarket);
  }
  const runeNames = new Map((runes.data ?? []).map((rune) => [rune.seriesKey, rune.name]));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validatePreferences(preferencesFromDraft(draft));
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    save.mutate(checked.value, {
      onSuccess: (answer) => setSavedAtMs(answer.updatedAtMs),
      onError: (error) => setErrors(serverFieldErrors(error)),
    });
  };

  return (
    <form className="stack" aria-label="Workspace" onSubmit={submit} noValidate>
      <section className="panel stack" aria-label="Watchlist settings">
        <div className="panel-header">
          <div>
            <h2>Watchlist</h2>
            <p className="muted small">
              Shown first on the overview. Add markets and runes with the ☆ on their pages or from the
              overview.
            </p>
          </div>
        </div>
        {draft.watchlist.length === 0 ? (
          <p className="muted small" data-testid="watchlist-empty">
            Nothing watched yet.
          </p>
        ) : (
          <ul className="stack" style={{ gap: 6 }} data-testid="watchlist-settings">
            {draft.watchlist.map((series) => (
              <li key={series} className="row" style={{ gap: 8 }} data-series={series}>
                <span className="spacer">
                  {runeNames.get(series) ?? series}
                  {runeNames.has(series) ? <span className="muted small"> · rune · {series}</span> : null}
                </span>
                <button
                  type="button"
                  className="ghost small"
                  aria-label={`Stop watching ${series}`}
                  onClick={() =>
                    update({ watchlist: draft.watchlist.filter((item) => item !== series) }, 'watchlist')
                  }
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {errors.watchlist ? (
          <span className="field-error small" data-testid="field-error" data-field="watchlist">
            {errors.watchlist}
          </span>
        ) : null}
      </section>

      <section className="panel stack" aria-label="Defaults">
        <div className="panel-header">
          <div>
            <h2>Opening market and horizon</h2>
            <p className="muted small">
              The Markets page opens on this market and timeframe, and the Forecast page on this horizon,
              unless the page address says otherwise.
            </p>
          </div>
        </div>
        <div className="form-grid fields-top">
          <FormField label="Default market" error={errors.defaultSeries}>
            {(ids) => (
              <select
                id={ids.id}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid || undefined}
                value={draft.defaultMarket}
                onChange={(event) => update({ defaultMarket: event.target.value }, 'defaultSeries')}
              >
                <option value="">None: the first tracked market</option>
                {marketChoices.map((market) => (
                  <option key={market} value={market}>
                    {market}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField label="Timeframe" error={undefined}>
            {(ids) => (
              <select
                id={ids.id}
                value={draft.defaultTimeframe}
                disabled={draft.defaultMarket === ''}
                onChange={(event) => {
                  const next = event.target.value;
                  if (!isTimeframe(next)) return;
                  const keepHorizon =
                    draft.defaultHorizon === '' ||
                    horizonChoicesMinutes(next).includes(Number(draft.defaultHorizon));
                  update(
                    { defaultTimeframe: next, ...(keepHorizon ? {} : { defaultHorizon: '' }) },
                    'defaultSeries',
                  );
                }}
              >
                {allTimeframes.map((timeframe) => (
                  <option key={timeframe} value={timeframe}>
                    {timeframe}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField label="Default horizon" error={errors.defaultHorizonMinutes}>
            {(ids) => (
              <select
                id={ids.id}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid || undefined}
                value={draft.defaultHorizon}
                onChange={(event) => update({ defaultHorizon: event.target.value }, 'defaultHorizonMinutes')}
              >
                <option value="">None: the page’s own</option>
                {(draft.defaultHorizon !== '' && !horizons.includes(Number(draft.defaultHorizon))
                  ? [Number(draft.defaultHorizon), ...horizons]
                  : horizons
                ).map((minutes) => (
                  <option key={minutes} value={String(minutes)}>
                    {formatHorizon(minutes)}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        </div>
      </section>

      <section className="panel stack" aria-label="Chart settings">
        <div className="panel-header">
          <div>
            <h2>Charts</h2>
            <p className="muted small">
              How price charts open. A choice in the page address (a shared link) wins over these.
            </p>
          </div>
        </div>
        <div className="form-grid fields-top">
          <FormField label="Chart type" error={errors['chart.style']}>
            {(ids) => (
              <select
                id={ids.id}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid || undefined}
                value={draft.chart.style}
                onChange={(event) =>
                  updateChart({ style: event.target.value === 'line' ? 'line' : 'candles' }, 'style')
                }
              >
                <option value="candles">Candles</option>
                <option value="line">Line (closes)</option>
              </select>
            )}
          </FormField>
          <FormField label="Default range" error={errors['chart.range']}>
            {(ids) => (
              <select
                id={ids.id}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid || undefined}
                value={draft.chart.range ?? ''}
                onChange={(event) =>
                  updateChart(
                    { range: event.target.value === '' ? null : (event.target.value as ChartRange) },
                    'range',
                  )
                }
              >
                <option value="">Suited to the timeframe</option>
                {chartRanges.map((range) => (
                  <option key={range} value={range}>
                    {range}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        </div>
        <fieldset className="row" style={{ gap: 16 }}>
          <legend className="muted small">Show</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.chart.showVolume}
              onChange={(event) => updateChart({ showVolume: event.target.checked }, 'showVolume')}
            />
            Volume
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.chart.showIntervals}
              onChange={(event) => updateChart({ showIntervals: event.target.checked }, 'showIntervals')}
            />
            Forecast 80% and 95% bands
          </label>
          {(Object.keys(CHART_INDICATOR_OF) as (keyof typeof CHART_INDICATOR_OF)[]).map((indicator) => (
            <label className="check" key={indicator}>
              <input
                type="checkbox"
                checked={draft.chart.indicators.includes(indicator)}
                onChange={(event) =>
                  updateChart(
                    {
                      indicators: event.target.checked
                        ? [...draft.chart.indicators, indicator]
                        : draft.chart.indicators.filter((item) => item !== indicator),
                    },
                    'indicators',
                  )
                }
              />
              {INDICATOR_LABELS[indicator]}
            </label>
          ))}
        </fieldset>
        {(errors['chart.indicators'] ?? errors['chart.showVolume'] ?? errors['chart.showIntervals']) ? (
          <span className="field-error small" data-testid="field-error">
            {errors['chart.indicators'] ?? errors['chart.showVolume'] ?? errors['chart.showIntervals']}
          </span>
        ) : null}
      </section>

      <section className="panel stack" aria-label="Time zone settings">
        <div className="panel-header">
          <div>
            <h2>Time zone</h2>
            <p className="muted small">Times across the dashboard are shown in this zone.</p>
          </div>
        </div>
        <div className="form-grid fields-top">
          <FormField
            label="Time zone"
            error={errors.timeZone}
            hint={`An IANA name such as Europe/Berlin. Empty: this browser’s (${browserZone}).`}
          >
            {(ids) => (
              <input
                id={ids.id}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid || undefined}
                list={timeZoneListId}
                value={draft.timeZone}
                placeholder={browserZone}
                autoComplete="off"
                onChange={(event) => update({ timeZone: event.target.value }, 'timeZone')}
              />
            )}
          </FormField>
          <div className="field-action">
            <button type="button" onClick={() => update({ timeZone: '' }, 'timeZone')}>
              Use this browser’s
            </button>
          </div>
        </div>
        <datalist id={timeZoneListId}>
          {timeZones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      </section>

      <section className="panel stack" aria-label="Overview layout">
        <div className="panel-header">
          <div>
            <h2>Overview layout</h2>
            <p className="muted small">Which panels the overview shows, top to bottom.</p>
          </div>
        </div>
        <ol
          className="stack"
          style={{ gap: 6, paddingLeft: 0, listStyle: 'none' }}
          data-testid="panel-layout"
        >
          {draft.panels.map((choice, index) => (
            <li key={choice.panel} className="row" style={{ gap: 8 }} data-panel={choice.panel}>
              <label className="check spacer">
                <input
                  type="checkbox"
                  checked={choice.shown}
                  onChange={(event) =>
                    update(
                      {
                        panels: draft.panels.map((item) =>
                          item.panel === choice.panel ? { ...item, shown: event.target.checked } : item,
                        ),
                      },
                      'overviewPanels',
                    )
                  }
                />
                {PANEL_LABELS[choice.panel]}
              </label>
              <button
                type="button"
                className="ghost small"
                aria-label={`Move ${PANEL_LABELS[choice.panel]} up`}
                disabled={index === 0}
                onClick={() => update({ panels: moveChoice(draft.panels, index, -1) }, 'overviewPanels')}
              >
                ↑
              </button>
              <button
                type="button"
                className="ghost small"
                aria-label={`Move ${PANEL_LABELS[choice.panel]} down`}
                disabled={index === draft.panels.length - 1}
                onClick={() => update({ panels: moveChoice(draft.panels, index, 1) }, 'overviewPanels')}
              >
                ↓
              </button>
            </li>
          ))}
        </ol>
        {errors.overviewPanels ? (
          <span className="field-error small" data-testid="field-error" data-field="overviewPanels">
            {errors.overviewPanels}
          </span>
        ) : null}
      </section>

      <div className="row" style={{ gap: 12 }}>
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save workspace'}
        </button>
        <button
          type="button"
          disabled={save.isPending}
          onClick={() => {
            setDraft(draftOf(saved));
            setErrors({});
            setSavedAtMs(null);
          }}
        >
          Undo changes
        </button>
        <span className="muted small">
          {updatedAtMs === null
            ? 'Never saved: these are the defaults.'
            : `Last saved ${formatTime(updatedAtMs)}.`}
        </span>
      </div>
      {errors[''] ? (
        <div className="notice error" role="alert" data-testid="save-error">
          {errors['']}
        </div>
      ) : Object.keys(errors).length > 0 ? (
        <div className="notice error" role="alert" data-testid="save-error">
          Not saved: correct the fields marked above.
        </div>
      ) : null}
      {savedAtMs !== null && save.isSuccess ? (
        <div className="notice success" role="status" data-testid="save-success">
          Saved. Your workspace opens like this in any browser you log in from.
        </div>
      ) : null}
    </form>
  );
}

/** The settings of a workspace of one's own, under the account. */
export default function WorkspaceSettingsPage() {
  const preferences = usePreferences();
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <div className="row muted small">
            <Link to="/account">Account</Link> <span>/</span> <span>Workspace</span>
          </div>
          <h1>Workspace</h1>
          <p>Your watchlist, defaults, charts, time zone and overview, saved with your account.</p>
        </div>
      </div>
      <QueryView query={preferences} loadingLabel="Loading your workspace…">
        {(answer) => <WorkspaceForm answer={answer} />}
      </QueryView>
    </div>
  );
}
