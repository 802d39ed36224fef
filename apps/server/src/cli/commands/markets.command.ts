import type { Command } from 'commander';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { isoTime, printJson, printTable } from '../output.ts';

export function registerMarketsCommand(program: Command): void {
  program
    .command('markets')
    .description('List the tracked markets (configured in RUNECAST_MARKETS) and what the store knows of them')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = configFor(command);
      const rows = await withStore(config, async (store) => {
        const known = await store.markets.listMarkets();
        return config.markets.map((tracked) => {
          const market = known.find(
            (item) => item.exchange === tracked.exchange && item.symbol === tracked.symbol,
          );
          return {
            exchange: tracked.exchange,
            symbol: tracked.symbol,
            timeframe: config.timeframe,
            known: market !== undefined,
            base: market?.base ?? null,
            quote: market?.quote ?? null,
            type: market?.type ?? null,
            active: market?.active ?? null,
            addedAt: market ? isoTime(market.addedAtMs) : null,
          };
        });
      });
      if (options.json) {
        printJson(rows);
        return;
      }
      printTable(
        ['exchange', 'symbol', 'timeframe', 'type', 'active', 'added'],
        rows.map((row) => [
          row.exchange,
          row.symbol,
          row.timeframe,
          row.type ?? '?',
          row.active ?? '?',
          row.addedAt ?? 'not yet loaded',
        ]),
      );
    });
}
