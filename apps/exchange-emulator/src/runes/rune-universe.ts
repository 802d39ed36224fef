import { createRandom, mixSeed, normalDraw } from '../market/seeded-random.ts';
import {
  FIRST_RUNE_BLOCK,
  isRuneId,
  minimumNameLength,
  parseRuneName,
  spacedRuneName,
} from './rune-names.ts';
import type { BtcCandle, DailyValue, RuneReplayData } from './rune-replay.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BLOCK_MS = 600_000;
/** Unix time of block 840,000, the first block runes could be etched in. */
const FIRST_RUNE_BLOCK_SECONDS = 1_713_571_767;
const SATS_PER_BTC = 1e8;

/**
 * The span the rune universe lives in: the real DOG daily series' days (2024-04-24 to 2026-09-30)
 * when the replay folder has them; these same dates without it. End exclusive.
 */
export const DEFAULT_RUNES_SPAN = { startMs: Date.UTC(2024, 3, 24), endMs: Date.UTC(2026, 9, 1) };

/**
 * DOG's intraday path is a seeded bridge from the previous day's close to the day's close; its
 * log distance from the straight line between them never exceeds this, so at any time of day D the
 * price lies within [min(close(D−1), close(D)) · e^−band, max(…) · e^band].
 */
export const DOG_INTRADAY_LOG_BAND = 0.06;
const DOG_INTRADAY_SIGMA = 0.03;
const DOG_BRIDGE_KNOTS = 288;

export const DOG_RUNE = {
  id: '840000:3',
  name: 'DOGGOTOTHEMOON',
  spacedName: 'DOG•GO•TO•THE•MOON',
  number: 3,
  divisibility: 5,
  /** Whole DOG; all premined, no open mint. */
  supply: 100_000_000_000,
  symbol: '🐕',
} as const;

export type DataSource = 'replay' | 'simulated';

export interface RuneDefinition {
  id: string;
  block: number;
  tx: number;
  number: number;
  /** Un-spaced upper-case name. */
  name: string;
  spacers: number;
  spacedName: string;
  symbol: string;
  divisibility: number;
  /** Smallest units. */
  premine: bigint;
  /** Smallest units per mint. */
  amountPerMint: bigint;
  /** Number of mints allowed. */
  mintCap: bigint;
  mintStartBlock: number | null;
  mintEndBlock: number | null;
  etchingTxid: string;
  etchingTimeMs: number;
  /** True for DOG when its real series is loaded. */
  real: boolean;
  readonly simulation: RuneSimulation;
}

interface RuneSimulation {
  seed: number;
  basePriceSats: number;
  dailyVolatility: number;
  /** Mint progress time; infinite for an open mint that stays mintable. */
  mintDurationMs: number;
  hourlyVolumeBtc: number;
  tradeSizeBtc: number;
  baseHolders: number;
  holderTrendPerDay: number;
  burnPerYear: number;
  holderConcentration: number;
}

export interface WindowCounts {
  h1: number;
  d1: number;
  d7: number;
}

/** A rune's state at one time; every provider renders it in its own protocol. */
export interface RuneSnapshot {
  rune: RuneDefinition;
  /** Universe time (the market clock mapped onto the span). */
  atMs: number;
  priceUsd: number;
  priceSats: number;
  /** Percent change against 24 h earlier. */
  priceChangePct: number;
  btcUsd: number;
  priceSource: DataSource;
  btcSource: DataSource;
  holders: number;
  holdersSource: DataSource;
  transactions: number;
  /** Mints so far. */
  mints: bigint;
  /** Smallest units (premine plus minted). */
  supply: bigint;
  /** Smallest units. */
  burned: bigint;
  mintable: boolean;
  volumeBtc: WindowCounts & { total: number };
  sales: WindowCounts & { total: number };
  sellers: WindowCounts;
  buyers: WindowCounts;
  listings: { count: number; minPriceSats: number; avgPriceSats: number; quantity: number };
  /** Net balance change of tracked addresses over the last 1, 3 and 10 blocks (whole units). */
  balanceDelta: { blocks1: number; blocks3: number; blocks10: number };
}

export interface RuneHolder {
  address: string;
  /** Smallest units. */
  amount: bigint;
}

export interface RunesStatus {
  count: number;
  providers: string[];
  span: { start: string; end: string };
  timeMapping: string;
  dog: {
    id: string;
    name: string;
    price: string;
    holders: string;
    btcUsd: string;
  };
  otherRunes: string;
  files: string[];
}

const WORDS = [
  'SATOSHI',
  'NAKAMOTO',
  'BITCOIN',
  'ORANGE',
  'PILL',
  'MAGIC',
  'INTERNET',
  'MONEY',
  'RUNE',
  'STONE',
  'GOLDEN',
  'DRAGON',
  'TIGER',
  'WOLF',
  'PEPE',
  'FROG',
  'CAT',
  'KING',
  'QUEEN',
  'LASER',
  'EYES',
  'DIAMOND',
  'HANDS',
  'MOON',
  'ROCKET',
  'EPIC',
  'SAGA',
  'ANCIENT',
  'FORGE',
  'BLOCK',
  'HALVING',
  'GENESIS',
  'SATS',
  'STACKER',
  'NODE',
  'MINER',
  'HASH',
  'PUPPET',
  'WIZARD',
  'GOBLIN',
  'PIZZA',
  'TREASURE',
  'COSMIC',
  'ORBIT',
  'THUNDER',
  'STORM',
  'LUCKY',
  'CLOVER',
  'PHOENIX',
  'SHADOW',
  'CRYSTAL',
  'TEMPLE',
  'VAULT',
  'COIN',
  'TOKEN',
  'GIANT',
  'TINY',
  'HAPPY',
  'HODL',
  'LIGHT',
  'NINJA',
  'PANDA',
  'BEAR',
  'BULL',
  'SHIBA',
  'MEME',
  'PRIME',
  'ALPHA',
  'OMEGA',
  'ZEN',
];
const SYMBOLS = [
  'ᚱ',
  '⧉',
  '◉',
  '¤',
  '⚡',
  '🔥',
  '🌙',
  '🐸',
  '💎',
  '🚀',
  '♛',
  '✦',
  '☀',
  '🐱',
  '🦁',
  '🍀',
  '₿',
  '⚔',
];
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function uniformAt(...parts: number[]): number {
  return mixSeed(...parts) / 4294967296;
}

function normalAt(...parts: number[]): number {
  const first = Math.max(uniformAt(...parts, 1), Number.EPSILON);
  const second = uniformAt(...parts, 2);
  return Math.sqrt(-2 * Math.log(first)) * Math.cos(2 * Math.PI * second);
}

/** Hourly seeded noise, linearly interpolated so it moves continuously. */
function smoothNoise(seed: number, timeMs: number, stepMs: number): number {
  const index = Math.floor(timeMs / stepMs);
  const fraction = (timeMs - index * stepMs) / stepMs;
  return normalAt(seed, index) * (1 - fraction) + normalAt(seed, index + 1) * fraction;
}

function hexFrom(seed: number, length: number): string {
  let text = '';
  for (let index = 0; text.length < length; index += 1) {
    text += mixSeed(seed, index).toString(16).padStart(8, '0');
  }
  return text.slice(0, length);
}

export function blockAt(timeMs: number): number {
  return FIRST_RUNE_BLOCK + Math.floor((timeMs - FIRST_RUNE_BLOCK_SECONDS * 1000) / BLOCK_MS);
}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** A decimal string of whole units from smallest units (trailing zeros of the fraction dropped). */
export function formatUnits(amount: bigint, divisibility: number): string {
  const negative = amount < 0n;
  const absolute = negative ? -amount : amount;
  const scale = pow10(divisibility);
  const whole = absolute / scale;
  const fraction = (absolute % scale).toString().padStart(divisibility, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function toWholeUnits(amount: bigint, divisibility: number): number {
  return Number(amount) / 10 ** divisibility;
}

class BtcUsdPath {
  constructor(
    private readonly candles: readonly BtcCandle[],
    private readonly seed: number,
  ) {}

  get realRange(): { startMs: number; endMs: number } | null {
    if (this.candles.length === 0) return null;
    const last = this.candles[this.candles.length - 1]!;
    return { startMs: this.candles[0]!.openTimeMs, endMs: last.openTimeMs + last.durationMs };
  }

  at(timeMs: number): { usd: number; source: DataSource } {
    let low = 0;
    let high = this.candles.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const candle = this.candles[middle]!;
      if (timeMs < candle.openTimeMs) high = middle - 1;
      else if (timeMs >= candle.openTimeMs + candle.durationMs) low = middle + 1;
      else {
        const fraction = (timeMs - candle.openTimeMs) / candle.durationMs;
        return { usd: candle.open + (candle.close - candle.open) * fraction, source: 'replay' };
      }
    }
    const days = timeMs / DAY_MS;
    const phase = (this.seed % 1000) / 1000;
    const logDeviation =
      0.35 * Math.sin(2 * Math.PI * (days / 420 + phase)) +
      0.12 * Math.sin(2 * Math.PI * (days / 47 + phase * 3)) +
      0.015 * smoothNoise(this.seed ^ 0xb7c, timeMs, HOUR_MS);
    return { usd: 65_000 * Math.exp(logDeviation), source: 'simulated' };
  }
}

function findDaily(values: readonly DailyValue[], dayMs: number): number | undefined {
  let low = 0;
  let high = values.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = values[middle]!;
    if (candidate.dayMs === dayMs) return candidate.value;
    if (candidate.dayMs < dayMs) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

export interface RuneUniverseOptions {
  seed: number;
  /** Runes besides DOG. */
  simulatedCount: number;
  replay: RuneReplayData | null;
}

/**
 * The Bitcoin Runes every emulated provider reads: DOG•GO•TO•THE•MOON on its real daily USD closes
 * and holder counts (when the replay folder has them) and seeded simulated runes around it.
 * Values are pure functions of (rune, time, seed), so providers agree and polls move consistently.
 */
export class RuneUniverse {
  readonly runes: readonly RuneDefinition[];
  readonly dog: RuneDefinition;
  readonly spanStartMs: number;
  readonly spanEndMs: number;
  private readonly byName = new Map<string, RuneDefinition>();
  private readonly byId = new Map<string, RuneDefinition>();
  private readonly btc: BtcUsdPath;
  private readonly dailyPaths = new Map<string, Float64Array>();
  private readonly bridges = new Map<number, Float64Array>();
  private readonly holderNorms = new Map<string, number>();

  constructor(private readonly options: RuneUniverseOptions) {
    const replay = options.replay;
    this.spanStartMs = replay ? replay.dogPriceUsd[0]!.dayMs : DEFAULT_RUNES_SPAN.startMs;
    this.spanEndMs = replay
      ? replay.dogPriceUsd[replay.dogPriceUsd.length - 1]!.dayMs + DAY_MS
      : DEFAULT_RUNES_SPAN.endMs;
    this.btc = new BtcUsdPath(replay?.btc ?? [], mixSeed(options.seed, 0xb7c));
    this.runes = this.createRunes();
    this.dog = this.runes.find((rune) => rune.id === DOG_RUNE.id)!;
    for (const rune of this.runes) {
      this.byName.set(rune.name, rune);
      this.byId.set(rune.id, rune);
    }
  }

  get simulatedDog(): boolean {
    return this.options.replay === null;
  }

  private createRunes(): RuneDefinition[] {
    const random = createRandom(mixSeed(this.options.seed, 0x52554e45));
    const total = this.options.simulatedCount + 1;
    const usedNames = new Set<string>([DOG_RUNE.name]);
    const runes: RuneDefinition[] = [];
    let block = FIRST_RUNE_BLOCK;
    for (let number = 0; number < total; number += 1) {
      if (number === DOG_RUNE.number) {
        runes.push(this.createDog());
        continue;
      }
      block = number <= DOG_RUNE.number ? FIRST_RUNE_BLOCK : block + 1 + Math.floor(random() * 6);
      const tx = number < DOG_RUNE.number ? number : 1 + Math.floor(random() * 2500);
      const seed = mixSeed(this.options.seed, number, 0x51);
      let words: string[] = [];
      let name = '';
      for (let attempt = 0; attempt < 200; attempt += 1) {
        words = [];
        while (words.join('').length < minimumNameLength(block)) {
          words.push(WORDS[Math.floor(random() * WORDS.length)]!);
        }
        name = words.join('');
        if (name.length <= 26 && !usedNames.has(name)) break;
      }
      usedNames.add(name);
      const parsed = parseRuneName(words.join('•'))!;
      const divisibility = [0, 0, 0, 0, 1, 2, 2, 5, 6, 8][Math.floor(random() * 10)]!;
      const wholeSupply = 10 ** (6 + Math.floor(random() * 6));
      const premineShare = random() < 0.5 ? 0 : 0.05 + random() * 0.25;
      const mintCap = BigInt(10 ** (3 + Math.floor(random() * 4)));
      const amountWhole = Math.max(1, Math.round((wholeSupply * (1 - premineShare)) / Number(mintCap)));
      const openMint = random() < 0.25;
      const mintDurationMs = openMint ? Number.POSITIVE_INFINITY : (0.2 + random() * 40) * DAY_MS;
      // Prices follow from a market cap of 0.5 to 1,500 BTC, so caps stay believable whatever the supply.
      const marketCapBtc = Math.exp(Math.log(0.5) + random() * (Math.log(1500) - Math.log(0.5)));
      const etchingTimeMs = (FIRST_RUNE_BLOCK_SECONDS + (block - FIRST_RUNE_BLOCK) * 600) * 1000;
      runes.push({
        id: `${block}:${tx}`,
        block,
        tx,
        number,
        name: parsed.name,
        spacers: parsed.spacers,
        spacedName: spacedRuneName(parsed.name, parsed.spacers),
        symbol: SYMBOLS[Math.floor(random() * SYMBOLS.length)]!,
        divisibility,
        premine: BigInt(Math.round(wholeSupply * premineShare)) * pow10(divisibility),
        amountPerMint: BigInt(amountWhole) * pow10(divisibility),
        mintCap,
        mintStartBlock: block,
        mintEndBlock: openMint ? null : block + Math.ceil(mintDurationMs / BLOCK_MS),
        etchingTxid: hexFrom(seed, 64),
        etchingTimeMs,
        real: false,
        simulation: {
          seed,
          basePriceSats: (marketCapBtc * SATS_PER_BTC) / wholeSupply,
          dailyVolatility: 0.03 + random() * 0.12,
          mintDurationMs,
          hourlyVolumeBtc: marketCapBtc * (0.0002 + random() * 0.003),
          tradeSizeBtc: 0.002 + random() * 0.05,
          baseHolders: Math.round(150 * Math.exp(random() * Math.log(400))),
          holderTrendPerDay: -0.0004 + random() * 0.0018,
          burnPerYear: random() * 0.0005,
          holderConcentration: 0.9 + random() * 0.4,
        },
      });
    }
    return runes;
  }

  private createDog(): RuneDefinition {
    const parsed = parseRuneName(DOG_RUNE.spacedName)!;
    const seed = mixSeed(this.options.seed, DOG_RUNE.number, 0x51);
    return {
      id: DOG_RUNE.id,
      block: FIRST_RUNE_BLOCK,
      tx: 3,
      number: DOG_RUNE.number,
      name: parsed.name,
      spacers: parsed.spacers,
      spacedName: DOG_RUNE.spacedName,
      symbol: DOG_RUNE.symbol,
      divisibility: DOG_RUNE.divisibility,
      premine: BigInt(DOG_RUNE.supply) * pow10(DOG_RUNE.divisibility),
      amountPerMint: 0n,
      mintCap: 0n,
      mintStartBlock: null,
      mintEndBlock: null,
      etchingTxid: hexFrom(seed, 64),
      etchingTimeMs: FIRST_RUNE_BLOCK_SECONDS * 1000,
      real: this.options.replay !== null,
      simulation: {
        seed,
        basePriceSats: 6,
        dailyVolatility: 0.07,
        mintDurationMs: 0,
        hourlyVolumeBtc: 1.5,
        tradeSizeBtc: 0.01,
        baseHolders: 80_000,
        holderTrendPerDay: 0.0001,
        burnPerYear: 0.00002,
        holderConcentration: 1.1,
      },
    };
  }

  /** By id (`840000:3`) or name (spaced or not, any case). */
  find(nameOrId: string): RuneDefinition | undefined {
    if (isRuneId(nameOrId)) return this.byId.get(nameOrId);
    const parsed = parseRuneName(nameOrId);
    return parsed ? this.byName.get(parsed.name) : undefined;
  }

  /**
   * Market clock time → universe time: unchanged inside the span; outside it, wrapped around
   * (start + ((t − start) mod length)), so any clock time sees the series moving.
   */
  mapTime(clockMs: number): number {
    if (clockMs >= this.spanStartMs && clockMs < this.spanEndMs) return clockMs;
    const length = this.spanEndMs - this.spanStartMs;
    const offset = (((clockMs - this.spanStartMs) % length) + length) % length;
    return this.spanStartMs + offset;
  }

  private dailyPath(rune: RuneDefinition): Float64Array {
    let path = this.dailyPaths.get(rune.id);
    if (path) return path;
    const days = Math.ceil((this.spanEndMs - this.spanStartMs) / DAY_MS) + 2;
    path = new Float64Array(days);
    const random = createRandom(rune.simulation.seed ^ 0x9a7);
    const anchor = Math.log(rune.simulation.basePriceSats);
    path[0] = anchor + normalDraw(random) * 0.5;
    for (let day = 1; day < days; day += 1) {
      const previous = path[day - 1]!;
      path[day] =
        previous + 0.015 * (anchor - previous) + rune.simulation.dailyVolatility * normalDraw(random);
    }
    this.dailyPaths.set(rune.id, path);
    return path;
  }

  private simulatedPriceSats(rune: RuneDefinition, timeMs: number): number {
    const path = this.dailyPath(rune);
    const position = Math.max(0, (timeMs - this.spanStartMs) / DAY_MS);
    const day = Math.min(Math.floor(position), path.length - 2);
    const fraction = position - day;
    const logPrice =
      path[day]! * (1 - fraction) +
      path[day + 1]! * fraction +
      0.3 * rune.simulation.dailyVolatility * smoothNoise(rune.simulation.seed ^ 0x1f, timeMs, HOUR_MS);
    return Math.exp(logPrice);
  }

  /** Seeded bridge offsets for one day (0 at both ends, |offset| ≤ the band). */
  private bridge(dayMs: number): Float64Array {
    let knots = this.bridges.get(dayMs);
    if (knots) return knots;
    const random = createRandom(mixSeed(this.dog.simulation.seed, dayMs / DAY_MS, 0xb41d));
    const walk = new Float64Array(DOG_BRIDGE_KNOTS + 1);
    const step = DOG_INTRADAY_SIGMA / Math.sqrt(DOG_BRIDGE_KNOTS);
    for (let knot = 1; knot <= DOG_BRIDGE_KNOTS; knot += 1) {
      walk[knot] = walk[knot - 1]! + step * normalDraw(random);
    }
    knots = new Float64Array(DOG_BRIDGE_KNOTS + 1);
    const end = walk[DOG_BRIDGE_KNOTS]!;
    for (let knot = 0; knot <= DOG_BRIDGE_KNOTS; knot += 1) {
      const offset = walk[knot]! - (knot / DOG_BRIDGE_KNOTS) * end;
      knots[knot] = Math.max(-DOG_INTRADAY_LOG_BAND, Math.min(DOG_INTRADAY_LOG_BAND, offset));
    }
    if (this.bridges.size > 512) this.bridges.clear();
    this.bridges.set(dayMs, knots);
    return knots;
  }

  /** DOG's USD price from the real daily closes, with a simulated intraday path between them. */
  private dogPriceUsd(timeMs: number): number {
    const closes = this.options.replay!.dogPriceUsd;
    const dayMs = Math.floor(timeMs / DAY_MS) * DAY_MS;
    const close = findDaily(closes, dayMs) ?? closes[closes.length - 1]!.value;
    const previous = findDaily(closes, dayMs - DAY_MS) ?? close;
    const fraction = (timeMs - dayMs) / DAY_MS;
    const knots = this.bridge(dayMs);
    const position = fraction * DOG_BRIDGE_KNOTS;
    const knot = Math.min(Math.floor(position), DOG_BRIDGE_KNOTS - 1);
    const offset = knots[knot]! + (knots[knot + 1]! - knots[knot]!) * (position - knot);
    return Math.exp(Math.log(previous) * (1 - fraction) + Math.log(close) * fraction + offset);
  }

  /** The real daily close of DOG for a UTC day, if the replay folder holds it. */
  dogDailyClose(dayMs: number): number | undefined {
    return this.options.replay ? findDaily(this.options.replay.dogPriceUsd, dayMs) : undefined;
  }

  private prices(rune: RuneDefinition, timeMs: number) {
    const btc = this.btc.at(timeMs);
    if (rune.real) {
      const priceUsd = this.dogPriceUsd(timeMs);
      return {
        priceUsd,
        priceSats: (priceUsd / btc.usd) * SATS_PER_BTC,
        btc,
        source: 'replay' as DataSource,
      };
    }
    const priceSats = this.simulatedPriceSats(rune, timeMs);
    return {
      priceUsd: (priceSats * btc.usd) / SATS_PER_BTC,
      priceSats,
      btc,
      source: 'simulated' as DataSource,
    };
  }

  private holders(rune: RuneDefinition, timeMs: number): { count: number; source: DataSource } {
    const simulation = rune.simulation;
    const wobble = 1 + 0.01 * smoothNoise(simulation.seed ^ 0x40, timeMs, DAY_MS);
    const real = rune.real ? this.options.replay!.dogHolders : [];
    if (real.length > 0) {
      const first = real[0]!;
      const last = real[real.length - 1]!;
      if (timeMs < first.dayMs) return { count: Math.round(first.value * wobble), source: 'simulated' };
      if (timeMs >= last.dayMs + DAY_MS)
        return { count: Math.round(last.value * wobble), source: 'simulated' };
      const dayMs = Math.floor(timeMs / DAY_MS) * DAY_MS;
      const today = findDaily(real, dayMs);
      if (today !== undefined) {
        const tomorrow = findDaily(real, dayMs + DAY_MS) ?? today;
        const fraction = (timeMs - dayMs) / DAY_MS;
        return { count: Math.round(today + (tomorrow - today) * fraction), source: 'replay' };
      }
    }
    const days = Math.max(0, (timeMs - rune.etchingTimeMs) / DAY_MS);
    const count = simulation.baseHolders * Math.exp(simulation.holderTrendPerDay * days) * wobble;
    return { count: Math.max(1, Math.round(count)), source: 'simulated' };
  }

  private hourlyVolume(rune: RuneDefinition, hour: number): number {
    return (
      rune.simulation.hourlyVolumeBtc * Math.exp(0.8 * normalAt(rune.simulation.seed, hour, 0x70) - 0.32)
    );
  }

  private windowVolume(rune: RuneDefinition, timeMs: number, hours: number): number {
    const hour = Math.floor(timeMs / HOUR_MS);
    const fraction = (timeMs - hour * HOUR_MS) / HOUR_MS;
    let total = this.hourlyVolume(rune, hour) * fraction;
    for (let back = 1; back < hours; back += 1) total += this.hourlyVolume(rune, hour - back);
    total += this.hourlyVolume(rune, hour - hours) * (1 - fraction);
    return total;
  }

  private balanceDelta(rune: RuneDefinition, block: number, blocks: number, wholeSupply: number): number {
    let total = 0;
    for (let back = 0; back < blocks; back += 1) {
      total += normalAt(rune.simulation.seed, block - back, 0xde) * wholeSupply * 2e-6;
    }
    const scale = 10 ** Math.min(rune.divisibility, 8);
    return Math.round(total * scale) / scale;
  }

  /** The rune at market clock time `clockMs` (mapped onto the span). */
  snapshot(rune: RuneDefinition, clockMs: number): RuneSnapshot {
    const atMs = this.mapTime(clockMs);
    const simulation = rune.simulation;
    const { priceUsd, priceSats, btc, source } = this.prices(rune, atMs);
    const dayBefore = Math.max(this.spanStartMs, atMs - DAY_MS);
    const earlier = this.prices(rune, dayBefore);
    const holders = this.holders(rune, atMs);
    const elapsedMs = Math.max(0, atMs - rune.etchingTimeMs);

    let mints = 0n;
    if (rune.mintCap > 0n) {
      const progress = Number.isFinite(simulation.mintDurationMs)
        ? Math.min(1, (elapsedMs / simulation.mintDurationMs) ** 0.6)
        : Math.min(0.95, elapsedMs / (3000 * DAY_MS));
      mints = BigInt(Math.floor(Number(rune.mintCap) * progress));
    }
    const supply = rune.premine + mints * rune.amountPerMint;
    const burnedShare = (simulation.burnPerYear * elapsedMs) / (365 * DAY_MS);
    const burned = BigInt(Math.floor(Number(supply) * burnedShare));
    const currentBlock = blockAt(atMs);
    const mintable =
      rune.mintCap > 0n &&
      mints < rune.mintCap &&
      (rune.mintEndBlock === null || currentBlock < rune.mintEndBlock);
    const wholeSupply = toWholeUnits(supply, rune.divisibility);

    const volumeBtc = {
      h1: this.windowVolume(rune, atMs, 1),
      d1: this.windowVolume(rune, atMs, 24),
      d7: this.windowVolume(rune, atMs, 168),
      total: simulation.hourlyVolumeBtc * (elapsedMs / HOUR_MS),
    };
    const salesOf = (volume: number): number => Math.round(volume / simulation.tradeSizeBtc);
    const sales = {
      h1: salesOf(volumeBtc.h1),
      d1: salesOf(volumeBtc.d1),
      d7: salesOf(volumeBtc.d7),
      total: salesOf(volumeBtc.total),
    };
    const share = (count: number, ratio: number): number => Math.min(count, Math.round(count * ratio));
    const listingDraw = uniformAt(simulation.seed, Math.floor(atMs / (10 * MINUTE_MS)), 0x11);
    return {
      rune,
      atMs,
      priceUsd,
      priceSats,
      priceChangePct: ((priceUsd - earlier.priceUsd) / earlier.priceUsd) * 100,
      btcUsd: btc.usd,
      priceSource: source,
      btcSource: btc.source,
      holders: holders.count,
      holdersSource: holders.source,
      transactions: Math.round(holders.count * 2.5 + sales.total * 2 + Number(mints)),
      mints,
      supply,
      burned,
      mintable,
      volumeBtc,
      sales,
      sellers: { h1: share(sales.h1, 0.55), d1: share(sales.d1, 0.5), d7: share(sales.d7, 0.4) },
      buyers: { h1: share(sales.h1, 0.65), d1: share(sales.d1, 0.6), d7: share(sales.d7, 0.45) },
      listings: {
        count: Math.max(1, Math.round(holders.count * 0.003 * (0.5 + listingDraw))),
        minPriceSats: priceSats * (1.005 + 0.02 * listingDraw),
        avgPriceSats: priceSats * (1.05 + 0.1 * listingDraw),
        quantity: Math.round(wholeSupply * 0.0005 * (0.5 + listingDraw)),
      },
      balanceDelta: {
        blocks1: this.balanceDelta(rune, currentBlock, 1, wholeSupply),
        blocks3: this.balanceDelta(rune, currentBlock, 3, wholeSupply),
        blocks10: this.balanceDelta(rune, currentBlock, 10, wholeSupply),
      },
    };
  }

  /**
   * One page of holders, largest first: `count` seeded addresses sharing the circulating supply
   * by a power law (the top holders stay the same as the count moves).
   */
  holderPage(snapshot: RuneSnapshot, start: number, limit: number): RuneHolder[] {
    const rune = snapshot.rune;
    const count = snapshot.holders;
    const alpha = rune.simulation.holderConcentration;
    const key = `${rune.id}/${count}`;
    let norm = this.holderNorms.get(key);
    if (norm === undefined) {
      norm = 0;
      for (let rank = 1; rank <= count; rank += 1) norm += rank ** -alpha;
      if (this.holderNorms.size > 2048) this.holderNorms.clear();
      this.holderNorms.set(key, norm);
    }
    const circulating = Number(snapshot.supply - snapshot.burned);
    const holders: RuneHolder[] = [];
    for (let rank = start; rank < Math.min(count, start + limit); rank += 1) {
      const amount = BigInt(Math.max(1, Math.floor((circulating * (rank + 1) ** -alpha) / norm)));
      let address = 'bc1p';
      for (let index = 0; address.length < 62; index += 1) {
        address += BECH32[mixSeed(rune.simulation.seed, rank, index) % 32];
      }
      holders.push({ address, amount });
    }
    return holders;
  }

  status(): RunesStatus {
    const replay = this.options.replay;
    const btcRange = this.btc.realRange;
    const iso = (timeMs: number): string => new Date(timeMs).toISOString().slice(0, 10);
    const holders = replay?.dogHolders ?? [];
    return {
      count: this.runes.length,
      providers: ['ordiscan', 'unisat', 'geniidata'],
      span: { start: iso(this.spanStartMs), end: iso(this.spanEndMs - DAY_MS) },
      timeMapping:
        'universe time = market clock time inside the span, otherwise wrapped around it (start + (t - start) mod length)',
      dog: {
        id: DOG_RUNE.id,
        name: DOG_RUNE.spacedName,
        price: replay
          ? `replay: real daily USD closes ${iso(replay.dogPriceUsd[0]!.dayMs)}..${iso(replay.dogPriceUsd[replay.dogPriceUsd.length - 1]!.dayMs)}; intraday path simulated (seeded bridge between closes)`
          : 'simulated (no runes/ folder in the replay folder)',
        holders:
          holders.length > 0
            ? `replay: real total_holders ${iso(holders[0]!.dayMs)}..${iso(holders[holders.length - 1]!.dayMs)}, interpolated within the day; simulated outside`
            : 'simulated',
        btcUsd: btcRange
          ? `replay: real BTC/USDT candles ${iso(btcRange.startMs)}..${iso(btcRange.endMs - 1)}; simulated outside`
          : 'simulated',
      },
      otherRunes:
        'simulated: seeded names, ids, terms, prices, volumes, sales, holders, listings and balance changes',
      files: replay?.files ?? [],
    };
  }
}
