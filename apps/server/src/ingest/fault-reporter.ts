import type { Counter } from 'prom-client';
import { RateLimitedError, SourceAuthError, TransientSourceError } from '@runecast/market';
import type { Logger } from '../observability/logger.ts';

/** One fault met while fetching from an exchange. */
export interface IngestFaultReport {
  exchange: string;
  /** `rate_limited`, `banned`, `transient`, `timeout`, `malformed_response`, `invalid_candle`, … */
  kind: string;
  /** Where it happened: `backfill` (REST pages, gap repairs) or `live:candles`, `live:trades`, … */
  source: string;
  message: string;
  /** Series the fault belongs to, when it belongs to one. */
  series: string | null;
  /** True when the call is tried again. */
  retrying: boolean;
  /** How many rows or messages the fault covers (default 1). */
  count?: number;
}

/** Told of every exchange fault and of the first success after faults. */
export interface IngestFaultListener {
  fault(report: IngestFaultReport): void;
  recovered(report: { exchange: string; source: string }): void;
}

export interface FaultReporterOptions {
  logger: Logger;
  metrics: {
    faults: Pick<Counter<'exchange' | 'kind' | 'source'>, 'inc'>;
    retries: Pick<Counter<'exchange' | 'kind' | 'source'>, 'inc'>;
  };
  now?: () => number;
}

interface Outage {
  sinceMs: number;
  faults: number;
  kinds: Set<string>;
}

/**
 * Counts every fault and retry in labelled metrics and logs them so an operator sees each
 * new problem without a line per attempt: a fault is a warning when it starts a run of faults
 * of an exchange's source (or is of a kind not yet seen in the run), repeats of the same kind
 * during the run are debug lines, and the first success after it logs one recovery line with
 * how many faults and how long it lasted.
 */
export class FaultReporter implements IngestFaultListener {
  private readonly outages = new Map<string, Outage>();
  private readonly now: () => number;

  constructor(private readonly options: FaultReporterOptions) {
    this.now = options.now ?? Date.now;
  }

  fault(report: IngestFaultReport): void {
    const labels = { exchange: report.exchange, kind: report.kind, source: report.source };
    const count = report.count ?? 1;
    this.options.metrics.faults.inc(labels, count);
    if (report.retrying) this.options.metrics.retries.inc(labels);
    const key = `${report.exchange}\u0000${report.source}`;
    let outage = this.outages.get(key);
    const fields = {
      exchange: report.exchange,
      source: report.source,
      kind: report.kind,
      series: report.series,
      retrying: report.retrying,
      ...(count === 1 ? {} : { count }),
    };
    const text = `exchange fault: ${report.exchange} ${report.source} ${report.kind}${report.retrying ? ', retrying' : ''}: ${report.message}`;
    if (outage === undefined || !outage.kinds.has(report.kind)) {
      this.options.logger.warn(fields, text);
    } else {
      this.options.logger.debug(fields, text);
    }
    if (outage === undefined) {
      outage = { sinceMs: this.now(), faults: 0, kinds: new Set() };
      this.outages.set(key, outage);
    }
    outage.faults += count;
    outage.kinds.add(report.kind);
  }

  recovered(report: { exchange: string; source: string }): void {
    const key = `${report.exchange}\u0000${report.source}`;
    const outage = this.outages.get(key);
    if (outage === undefined) return;
    this.outages.delete(key);
    this.options.logger.info(
      {
        exchange: report.exchange,
        source: report.source,
        faults: outage.faults,
        kinds: [...outage.kinds],
        seconds: Math.round((this.now() - outage.sinceMs) / 100) / 10,
      },
      `exchange recovered: ${report.exchange} ${report.source} answers again after ${outage.faults} fault(s)`,
    );
  }
}

/**
 * The fault kind of an error a polled provider (runes snapshot source, news feed) threw: the
 * provider HTTP client marks its TransientSourceErrors with `details.fault` (`server_error`,
 * `timeout`, `network`, `malformed_response`); a cycle cut short by its own deadline is a
 * `timeout` too. Their faults go to the same metric families as the exchanges' with the
 * provider's or text source's id as the `exchange` label: the labels fit, so there is no
 * separate family to join in dashboards.
 */
export function providerFaultKind(error: unknown): string {
  if (error instanceof RateLimitedError) return 'rate_limited';
  if (error instanceof SourceAuthError) return 'unauthorized';
  if (error instanceof TransientSourceError) {
    const fault = error.details?.fault;
    return typeof fault === 'string' ? fault : 'transient';
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timeout';
  return 'failed';
}
