/** @jsxRuntime automatic */
import { trackedMarketSchema, type ApiMarket } from '@runecast/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { InlineError } from '../../components/query-state.tsx';
import { useApi } from '../../lib/services.tsx';
import { MarketPicker } from '../markets/market-picker.tsx';
import { useTrackedMarkets } from '../markets/market-queries.ts';

/** Finds a market on an exchange and tracks it. */
export function AddMarketForm(props: { onDone: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const tracked = useTrackedMarkets();
  const add = useMutation({
    mutationFn: (market: ApiMarket) =>
      api.request('/api/v1/markets', {
        method: 'POST',
        body: { exchange: market.exchange, symbol: market.symbol },
        schema: trackedMarketSchema,
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['markets'] });
      props.onDone();
    },
  });
  const isTracked = (market: ApiMarket) =>
    (tracked.data ?? []).some((item) => item.exchange === market.exchange && item.symbol === market.symbol);
  return (
    <section className="panel" aria-label="Track a market">
      <div className="panel-header">
        <div>
          <h2>Track a market</h2>
          <p className="muted small">
            Search the exchange's own market list; Runecast checks the symbol before tracking it.
          </p>
        </div>
      </div>
      <MarketPicker
        action={(market) =>
          isTracked(market) ? (
            <span className="badge ok">tracked</span>
          ) : (
            <button
              type="button"
              className="small primary"
              disabled={add.isPending}
              onClick={() => add.mutate(market)}
            >
              Track
            </button>
          )
        }
      />
      <InlineError error={add.error} />
    </section>
  );
}
