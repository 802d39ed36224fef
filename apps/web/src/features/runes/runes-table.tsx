/** @jsxRuntime automatic */
import type { Rune } from '@runecast/contracts';
import { Link } from 'react-router';
import { Sparkline } from '../../components/sparkline.tsx';
import { formatChange, formatCompact, formatNumber, formatPrice, formatTimeUtc } from '../../lib/format.ts';
import { runePath } from './runes-queries.ts';
import {
  describeForecast,
  formatSats,
  sortRunes,
  type RuneSort,
  type RuneSortKey,
} from './runes-table-model.ts';

interface Column {
  key: RuneSortKey | null;
  label: string;
  title?: string;
  numeric?: boolean;
}

const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Rune' },
  { key: 'priceSats', label: 'Price (sats)', numeric: true },
  { key: 'priceUsd', label: 'Price (USD)', numeric: true },
  { key: 'change1dPct', label: '1d change', numeric: true, title: 'Change of the price in sats over a day' },
  { key: 'volume1dBtc', label: '1d volume (BTC)', numeric: true },
  { key: 'holders', label: 'Holders', numeric: true },
  { key: 'marketCapUsd', label: 'Market cap (USD)', numeric: true },
  { key: null, label: 'Last 24h' },
  {
    key: 'forecast',
    label: 'Forecast',
    title: 'Newest forecast of a tracked rune: direction, horizon and 80% band (sorted by forecast change)',
  },
];

/** The name cell: link, simulated label, provider disagreement and tracking. */
function RuneName(props: { rune: Rune }) {
  const { rune } = props;
  return (
    <>
      <Link to={runePath(rune.name)}>
        <strong>{rune.name}</strong>
      </Link>
      <div className="row small" style={{ gap: 6 }}>
        <span className="muted">{rune.source}</span>
        {rune.tracked ? <span className="badge ok">tracked</span> : null}
        {rune.simulated ? (
          <span className="badge simulated" data-testid="simulated" title="The provider's data is simulated">
            simulated
          </span>
        ) : null}
        {rune.disagreement !== null ? (
          <span
            className="badge degraded"
            data-testid="disagreement"
            title={`${rune.disagreement.sources[0]} and ${rune.disagreement.sources[1]} disagree on the price by ${rune.disagreement.pct}%`}
          >
            ⚠ providers disagree {rune.disagreement.pct}%
          </span>
        ) : null}
      </div>
    </>
  );
}

/** Every collected rune with its newest stats; click (or press Enter on) a header to sort. */
export function RunesTable(props: {
  runes: readonly Rune[];
  sort: RuneSort;
  onSort: (key: RuneSortKey) => void;
  /** Admins may stop tracking a rune. */
  onUntrack?: (rune: Rune) => void;
  untracking?: string | null;
}) {
  const rows = sortRunes(props.runes, props.sort);
  return (
    <div className="table-wrap">
      <table data-testid="runes-table">
        <thead>
          <tr>
            {COLUMNS.map((column) => {
              const active = column.key !== null && column.key === props.sort.key;
              return (
                <th
                  key={column.label}
                  className={column.numeric ? 'num' : undefined}
                  title={column.title}
                  aria-sort={column.key === null ? undefined : active ? props.sort.direction : 'none'}
                  data-column={column.key ?? undefined}
                >
                  {column.key === null ? (
                    column.label
                  ) : (
                    <button type="button" className="sort" onClick={() => props.onSort(column.key!)}>
                      {column.label}
                      <span aria-hidden="true">
                        {active ? (props.sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                      </span>
                    </button>
                  )}
                </th>
              );
            })}
            {props.onUntrack ? (
              <th>
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((rune) => {
            const forecast = rune.forecast === null ? null : describeForecast(rune.forecast);
            const change = rune.change1dPct === null ? null : rune.change1dPct / 100;
            return (
              <tr key={rune.name} data-testid="rune-row" data-rune={rune.name}>
                <td>
                  <RuneName rune={rune} />
                </td>
                <td
                  className="num"
                  data-column="priceSats"
                  title={`updated ${formatTimeUtc(rune.updatedAtMs)}`}
                >
                  {formatSats(rune.priceSats)}
                </td>
                <td className="num" data-column="priceUsd">
                  {rune.priceUsd === null ? '—' : `$${formatPrice(rune.priceUsd)}`}
                </td>
                <td
                  className={`num ${change === null ? 'muted' : change >= 0 ? 'up' : 'down'}`}
                  data-column="change1dPct"
                >
                  {formatChange(change)}
                </td>
                <td className="num" data-column="volume1dBtc">
                  {formatNumber(rune.volume1dBtc, 4)}
                </td>
                <td className="num" data-column="holders">
                  {formatNumber(rune.holders, 0)}
                </td>
                <td className="num" data-column="marketCapUsd">
                  {rune.marketCapUsd === null ? '—' : `$${formatCompact(rune.marketCapUsd)}`}
                </td>
                <td>
                  <Sparkline values={rune.sparkline ?? []} label={`${rune.name} over the last 24 hours`} />
                </td>
                <td data-column="forecast">
                  {forecast === null || rune.forecast === null ? (
                    <span className="muted small">{rune.tracked ? 'no forecast yet' : '—'}</span>
                  ) : (
                    <span
                      className={`num ${forecast.direction === 'flat' ? 'muted' : forecast.direction}`}
                      data-testid="rune-forecast"
                      title={`${rune.forecast.modelType} v${rune.forecast.modelVersionId}: ${formatSats(rune.forecast.point)} sats for ${formatTimeUtc(rune.forecast.targetTimeMs)} (80% band)`}
                    >
                      {forecast.text}
                    </span>
                  )}
                </td>
                {props.onUntrack ? (
                  <td>
                    {rune.tracked ? (
                      <button
                        type="button"
                        className="ghost small danger"
                        disabled={props.untracking === rune.name}
                        onClick={() => props.onUntrack?.(rune)}
                        aria-label={`Stop tracking ${rune.name}`}
                      >
                        Untrack
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
