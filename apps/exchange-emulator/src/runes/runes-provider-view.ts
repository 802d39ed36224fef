import type { DataFaultKind, FaultInjector, FaultRule, RunesProviderId } from '../faults/fault-injector.ts';
import { isRuneId, parseRuneName } from './rune-names.ts';
import type { RuneDefinition, RuneSnapshot, RuneUniverse } from './rune-universe.ts';

/** A rune as one provider shows it (a rename fault changes the name, never the id). */
export interface ShownRune {
  rune: RuneDefinition;
  name: string;
  spacers: number;
  spacedName: string;
}

type DataFault = FaultRule & { kind: DataFaultKind };

function ruleMatches(rule: DataFault, rune: RuneDefinition): boolean {
  if (rule.rune === undefined) return false;
  if (isRuneId(rule.rune)) return rule.rune === rune.id;
  return parseRuneName(rule.rune)?.name === rune.name;
}

/** Keys of a rendered row, by role, that data faults break or drop. */
export interface RowFields {
  price: readonly string[];
  holders: readonly string[];
  /** Dropped by data-partial. */
  partial: readonly string[];
}

/** Written in place of a price by a data-malformed fault. */
export const MALFORMED_PRICE = 'N/A';

/**
 * What one provider request sees of the universe: the rune list after rename and delist faults,
 * snapshots with price offsets, and the malformed / partial row faults to apply to the answer.
 */
export class RunesProviderView {
  private readonly faults: DataFault[];

  constructor(
    private readonly universe: RuneUniverse,
    injector: FaultInjector,
    readonly provider: RunesProviderId,
    endpoint: string,
    private readonly clockMs: number,
  ) {
    this.faults = injector.dataFaultsFor(provider, endpoint);
  }

  private shown(rune: RuneDefinition): ShownRune | null {
    for (const rule of this.faults) {
      if (rule.kind === 'rune-delisted' && ruleMatches(rule, rune)) return null;
    }
    for (const rule of this.faults) {
      if (rule.kind === 'rune-renamed' && ruleMatches(rule, rune) && rule.newName) {
        const parsed = parseRuneName(rule.newName)!;
        return {
          rune,
          name: parsed.name,
          spacers: parsed.spacers,
          spacedName: rule.newName.replace(/\./g, '•'),
        };
      }
    }
    return { rune, name: rune.name, spacers: rune.spacers, spacedName: rune.spacedName };
  }

  /** Listed runes, by rune number. */
  list(): ShownRune[] {
    return this.universe.runes.map((rune) => this.shown(rune)).filter((shown) => shown !== null);
  }

  /** By id or by the name this provider shows (spaced or not). */
  find(nameOrId: string): ShownRune | null {
    if (isRuneId(nameOrId)) {
      const rune = this.universe.find(nameOrId);
      return rune ? this.shown(rune) : null;
    }
    const parsed = parseRuneName(nameOrId);
    if (!parsed) return null;
    return this.list().find((shown) => shown.name === parsed.name) ?? null;
  }

  snapshot(shown: ShownRune): RuneSnapshot {
    const snapshot = this.universe.snapshot(shown.rune, this.clockMs);
    for (const rule of this.faults) {
      if (rule.kind !== 'price-offset' || !ruleMatches(rule, shown.rune)) continue;
      const factor = 1 + (rule.percent ?? 0) / 100;
      snapshot.priceUsd *= factor;
      snapshot.priceSats *= factor;
      snapshot.listings.minPriceSats *= factor;
      snapshot.listings.avgPriceSats *= factor;
    }
    return snapshot;
  }

  holders(snapshot: RuneSnapshot, start: number, limit: number) {
    return this.universe.holderPage(snapshot, start, limit);
  }

  /**
   * Applies data-malformed (non-numeric price, negative holders) and data-partial (fields
   * missing) to rendered rows: to the rows of the rule's rune, or to the first row without one.
   */
  applyRowFaults<Row extends Record<string, unknown>>(
    rows: { rune: RuneDefinition; row: Row }[],
    fields: RowFields,
  ): void {
    for (const rule of this.faults) {
      if (rule.kind !== 'data-malformed' && rule.kind !== 'data-partial') continue;
      const targets =
        rule.rune === undefined ? rows.slice(0, 1) : rows.filter((entry) => ruleMatches(rule, entry.rune));
      for (const { row } of targets) {
        const record = row as Record<string, unknown>;
        if (rule.kind === 'data-partial') {
          for (const key of fields.partial) delete record[key];
          continue;
        }
        if (rule.field !== 'holders') {
          for (const key of fields.price) if (key in record) record[key] = MALFORMED_PRICE;
        }
        if (rule.field !== 'price') {
          for (const key of fields.holders) {
            const value = record[key];
            if (typeof value === 'number') record[key] = -Math.max(1, Math.abs(value));
            else if (typeof value === 'string') record[key] = `-${value.replace(/^-/, '') || '1'}`;
          }
        }
      }
    }
  }
}
