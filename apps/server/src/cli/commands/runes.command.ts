import type { Command } from 'commander';
import { RunesService } from '../../markets/runes.service.ts';
import { RUNES_POLL_TIMEFRAME } from '../../sources/runes/runes-timing.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { isoTime, printJson, printTable } from '../output.ts';

function formatNumber(value: number | null, digits: number): string {
  return value === null ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function registerRunesCommand(program: Command): void {
  program
    .command('runes')
    .description(
      'List the runes Runecast collects (the top runes of each provider and those tracked), with their newest stats',
    )
    .option('--json', 'print as JSON')
    .option('--tracked', 'only runes tracked through the dashboard, API or CLI')
    .action(async (options: { json?: boolean; tracked?: boolean }, command: Command) => {
      const config = configFor(command);
      const runes = await withStore(config, (store) =>
        new RunesService({
          store,
          providers: config.runesProviders,
          snapshotSource: null,
          pollTimeframe: RUNES_POLL_TIMEFRAME,
          now: Date.now,
        }).list(),
      );
      const rows = options.tracked ? runes.filter((rune) => rune.tracked) : runes;
      if (options.json) {
        printJson(
          rows.map((rune) => ({
            name: rune.name,
            id: rune.id,
            seriesKey: rune.seriesKey,
            priceSats: rune.priceSats,
            priceUsd: rune.priceUsd,
            holders: rune.holders,
            volume1dBtc: rune.volume1dBtc,
            marketCapUsd: rune.marketCapUsd,
            change1dPct: rune.change1dPct,
            updatedAtMs: rune.updatedAtMs,
            source: rune.source,
            simulated: rune.simulated,
            tracked: rune.tracked,
            disagreement: rune.disagreement,
          })),
        );
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(
          options.tracked
            ? 'no rune is tracked; track one with POST /api/v1/runes or from the dashboard\n'
            : `no rune collected yet; runecast up polls ${config.runesProviders.join(', ') || 'no provider (RUNECAST_RUNES_PROVIDERS=none)'} every 5 minutes\n`,
        );
        return;
      }
      printTable(
        ['rune', 'id', 'sats', 'usd', '1d %', 'holders', 'vol 1d btc', 'source', 'updated', 'note'],
        rows.map((rune) => [
          rune.name,
          rune.id ?? '-',
          formatNumber(rune.priceSats, 6),
          formatNumber(rune.priceUsd, 8),
          formatNumber(rune.change1dPct, 2),
          formatNumber(rune.holders, 0),
          formatNumber(rune.volume1dBtc, 4),
          rune.source,
          isoTime(rune.updatedAtMs),
          [
            rune.simulated ? 'simulated' : '',
            rune.tracked ? 'tracked' : '',
            rune.disagreement ? `providers differ ${rune.disagreement.pct}%` : '',
          ]
            .filter(Boolean)
            .join(', '),
        ]),
      );
    });
}
