/** @jsxRuntime automatic */
import { exchangeMarketListResponseSchema, type ApiMarket } from '@runecast/contracts';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorState, LoadingState } from '../../components/query-state.tsx';
import { useApi } from '../../lib/services.tsx';

function useDebounced<Value>(value: Value, delayMs: number): Value {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

const EXCHANGE_PATTERN = /^[a-z][a-z0-9]{1,30}$/;

/** Type part of a symbol to search an exchange's market list; `action` renders each hit's button. */
export function MarketPicker(props: {
  action: (market: ApiMarket) => ReactNode;
  initialExchange?: string;
  initialSearch?: string;
}) {
  const api = useApi();
  const [exchange, setExchange] = useState(props.initialExchange ?? 'binance');
  const [search, setSearch] = useState(props.initialSearch ?? '');
  const debouncedSearch = useDebounced(search.trim(), 250);
  const debouncedExchange = useDebounced(exchange.trim().toLowerCase(), 250);
  const validExchange = EXCHANGE_PATTERN.test(debouncedExchange);
  const markets = useQuery({
    queryKey: ['exchange-markets', debouncedExchange, debouncedSearch],
    queryFn: ({ signal }) =>
      api.request(`/api/v1/exchanges/${debouncedExchange}/markets`, {
        query: { search: debouncedSearch, limit: 25 },
        schema: exchangeMarketListResponseSchema,
        signal,
      }),
    enabled: validExchange,
    placeholderData: keepPreviousData,
    staleTime: 300_000,
  });
  return (
    <div className="stack">
      <div className="form-grid">
        <label className="field">
          Exchange
          <input
            value={exchange}
            onChange={(event) => setExchange(event.target.value)}
            placeholder="binance"
          />
        </label>
        <label className="field">
          Symbol
          <input
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="BTC, ETH/USDT…"
            aria-label="Search markets"
          />
        </label>
      </div>
      {!validExchange ? (
        <p className="muted small">An exchange id is lower-case letters and digits, e.g. binance.</p>
      ) : markets.isPending ? (
        <LoadingState compact label="Loading the exchange's markets…" />
      ) : markets.isError ? (
        <ErrorState compact error={markets.error} onRetry={() => void markets.refetch()} />
      ) : markets.data.markets.length === 0 ? (
        <p className="muted small">
          No market of {markets.data.exchange} matches “{debouncedSearch}”.
        </p>
      ) : (
        <div className="table-wrap" style={{ maxHeight: 320, overflowY: 'auto' }}>
          <table>
            <thead>
              <tr>
                <th>Symbol</th>
                <th>Type</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {markets.data.markets.map((market) => (
                <tr key={market.symbol} data-testid="exchange-market">
                  <td>
                    <strong>{market.symbol}</strong>
                  </td>
                  <td className="muted">{market.type}</td>
                  <td className="muted">{market.active ? 'active' : 'inactive'}</td>
                  <td className="num">{props.action(market)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            {markets.data.total > markets.data.markets.length
              ? `${markets.data.markets.length} of ${markets.data.total} shown; type more to narrow.`
              : `${markets.data.total} market(s).`}
          </p>
        </div>
      )}
    </div>
  );
}
