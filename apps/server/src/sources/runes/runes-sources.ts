import { GeniiDataSource } from '../geniidata/geniidata.source.ts';
import { OrdiscanSource } from '../ordiscan/ordiscan.source.ts';
import type { SourceRegistry } from '../source-registry.ts';
import { UnisatSource } from '../unisat/unisat.source.ts';

export { RUNES_HORIZONS_MINUTES, RUNES_POLL_TIMEFRAME } from './runes-timing.ts';

/** The runes providers Runecast speaks. Magic Eden's ordinals API is announced for retirement and is not among them. */
export const RUNES_PROVIDERS = ['ordiscan', 'unisat', 'geniidata'] as const;
export type RunesProvider = (typeof RUNES_PROVIDERS)[number];

/** The secret holding a provider's API key (`PUT /api/v1/admin/secrets/ordiscan.api-key`). */
export function runesKeySecretName(provider: RunesProvider): string {
  return `${provider}.api-key`;
}

/** Path of each provider on the local emulator, which speaks their protocols. */
export const EMULATED_RUNES_PATHS: Readonly<Record<RunesProvider, string>> = {
  ordiscan: '/ordiscan',
  unisat: '/unisat',
  geniidata: '/geniidata',
};

export interface RunesSourcesOptions {
  providers: readonly RunesProvider[];
  /** The emulator to talk to instead of the real services; null for live. */
  emulatorUrl: string | null;
  /** True when the data served is simulated. */
  simulated: boolean;
  /** GeniiData: the published query to read; without one GeniiData is not registered. */
  geniiDataDatasource: string | null;
  /** A provider's API key, read per request so a key stored while running is used at once. */
  apiKey(provider: RunesProvider): Promise<string | null>;
}

/**
 * Registers the chosen runes providers as snapshot sources. Live and offline differ only in the
 * base URL: the real service, or the emulator's path for it. Returns the providers registered.
 */
export function registerRunesSources(
  registry: SourceRegistry,
  options: RunesSourcesOptions,
): RunesProvider[] {
  const base = (provider: RunesProvider) =>
    options.emulatorUrl === null
      ? {}
      : { baseUrl: `${options.emulatorUrl.replace(/\/$/, '')}${EMULATED_RUNES_PATHS[provider]}` };
  const common = (provider: RunesProvider) => ({
    ...base(provider),
    apiKey: () => options.apiKey(provider),
    simulated: options.simulated,
  });
  const registered: RunesProvider[] = [];
  for (const provider of options.providers) {
    if (provider === 'ordiscan')
      registry.register(provider, { snapshots: () => new OrdiscanSource(common(provider)) });
    if (provider === 'unisat')
      registry.register(provider, { snapshots: () => new UnisatSource(common(provider)) });
    if (provider === 'geniidata') {
      const datasourceId = options.geniiDataDatasource;
      if (datasourceId === null) continue;
      registry.register(provider, {
        snapshots: () => new GeniiDataSource({ ...common(provider), datasourceId }),
      });
    }
    registered.push(provider);
  }
  return registered;
}

/** The published query the emulator's GeniiData serves. */
export const EMULATED_GENIIDATA_DATASOURCE = '12577';
/** The key sent to the emulator when none is stored (it checks that one is sent, not which). */
export const EMULATOR_PROVIDER_KEY = 'runecast-emulator';
