import type { AlertCondition, AlertRule } from '@runecast/contracts';
import { timeframeMs, type Timeframe } from '@runecast/market';
import type { AlertRuleState } from '../store/alert.repository.ts';
import { isInQuietHours, renderAlertMessage } from './alert-message.ts';

/** One candle as the evaluator needs it. */
export interface EvaluatedCandle {
  openTimeMs: number;
  close: number;
  volume: number;
  closed: boolean;
}

/** The newest forecast of a series, as the evaluator needs it. */
export interface EvaluatedForecast {
  id: string;
  horizonMinutes: number;
  issuedAtMs: number;
  targetTimeMs: number;
  lastClose: number;
  point: number;
  lower95: number;
  upper95: number;
}

/** A rule that fired: what to store and send. */
export interface Firing {
  rule: AlertRule;
  series: string;
  /** Unique per rule and triggering event: the same event never fires a rule twice. */
  idempotencyKey: string;
  firedAtMs: number;
  values: Record<string, number>;
  message: string;
  /** Inside the rule's quiet hours: stored, not sent. */
  silent: boolean;
}

interface SeriesWindow {
  stepMs: number;
  /** When the newest candle batch arrived (the caller's clock), for staleness. */
  lastArrivalMs: number | null;
  /** Candles oldest first, one per open time; the last may still be forming. */
  candles: EvaluatedCandle[];
  forecasts: Map<number, EvaluatedForecast>;
}

const CANDLE_KINDS = new Set<AlertCondition['kind']>([
  'price-cross',
  'move',
  'volume-spike',
  'forecast-band',
]);
const STREAM_KINDS = new Set<AlertCondition['kind']>([...CANDLE_KINDS, 'forecast-move']);
/** A rule on every series keeps at most this many candles per series (the longest window allowed). */
const MAX_WINDOW_CANDLES = 10_081;

/**
 * Evaluates alert rules against candles and forecasts as they arrive, in memory. Rules are
 * indexed by series, so a candle batch costs only the rules that watch its series. Each rule
 * fires when its condition becomes true while it is armed; it re-arms only once the condition
 * has cleared (hysteresis), and never fires again within its cooldown. State changes are
 * collected for the caller to persist (`takeChangedStates`).
 */
export class AlertEvaluator {
  private rulesBySeries = new Map<string, AlertRule[]>();
  private rulesForAll: AlertRule[] = [];
  private staleRules: AlertRule[] = [];
  private jobRules: AlertRule[] = [];
  private healthRules: AlertRule[] = [];
  private accuracyRules: AlertRule[] = [];
  private statRules: AlertRule[] = [];
  /** Recent values of each watched stat (`<series>#<metric>`), oldest first, as long as the rules need. */
  private readonly statHistories = new Map<string, StatPoint[]>();
  private statWindowMs = 0;
  /** When this evaluator started watching: a series never heard from is stale from here. */
  private readonly watchingSinceMs: number;
  private readonly windows = new Map<string, SeriesWindow>();
  private readonly states = new Map<string, AlertRuleState>();
  private readonly changed = new Map<string, AlertRuleState>();
  private needs = new Map<string, WindowNeed>();
  private needForAll: WindowNeed = { minutes: 0, candles: 2 };

  constructor(rules: readonly AlertRule[] = [], states: readonly AlertRuleState[] = [], watchingSinceMs = 0) {
    this.watchingSinceMs = watchingSinceMs;
    this.setRules(rules);
    for (const state of states) this.states.set(stateKey(state.ruleId, state.series), { ...state });
  }

  setRules(rules: readonly AlertRule[]): void {
    this.rulesBySeries = new Map();
    this.rulesForAll = [];
    this.staleRules = rules.filter((rule) => rule.enabled && rule.condition.kind === 'stale');
    this.jobRules = rules.filter((rule) => rule.enabled && rule.condition.kind === 'job-failed');
    this.healthRules = rules.filter((rule) => rule.enabled && rule.condition.kind === 'component-unhealthy');
    this.accuracyRules = rules.filter((rule) => rule.enabled && rule.condition.kind === 'model-behind-naive');
    this.statRules = rules.filter((rule) => rule.enabled && statMetricOf(rule.condition) !== null);
    this.statWindowMs = Math.max(
      0,
      ...this.statRules.map((rule) => statWindowMinutes(rule.condition) * 60_000),
    );
    this.needs = new Map();
    this.needForAll = { minutes: 0, candles: 2 };
    for (const rule of rules) {
      // Rules on streams of candles and forecasts; the others are told of their events apart.
      if (!rule.enabled || !STREAM_KINDS.has(rule.condition.kind)) continue;
      if (rule.series === null) {
        this.rulesForAll.push(rule);
        this.needForAll = widerNeed(this.needForAll, rule.condition);
      } else {
        const list = this.rulesBySeries.get(rule.series) ?? [];
        list.push(rule);
        this.rulesBySeries.set(rule.series, list);
        this.needs.set(
          rule.series,
          widerNeed(this.needs.get(rule.series) ?? { minutes: 0, candles: 2 }, rule.condition),
        );
      }
    }
    const ids = new Set(rules.map((rule) => rule.id));
    for (const key of this.states.keys())
      if (!ids.has(key.slice(0, key.indexOf('|')))) this.states.delete(key);
  }

  ruleCount(): number {
    let count =
      this.rulesForAll.length +
      this.staleRules.length +
      this.jobRules.length +
      this.healthRules.length +
      this.accuracyRules.length +
      this.statRules.length;
    for (const list of this.rulesBySeries.values()) count += list.length;
    return count;
  }

  /** Rule states changed since the last call, to persist. */
  takeChangedStates(): AlertRuleState[] {
    const changed = [...this.changed.values()];
    this.changed.clear();
    return changed;
  }

  /**
   * Candles of one series, oldest first (a batch from the bus), arrived at `arrivedAtMs` by the
   * caller's clock; returns what fired.
   */
  onCandles(
    series: string,
    timeframe: Timeframe,
    candles: readonly EvaluatedCandle[],
    arrivedAtMs: number | null = null,
  ): Firing[] {
    const rules = this.rulesFor(series);
    const window = this.windowOf(series, timeframe, rules.length > 0 || this.staleRules.length > 0);
    if (window === null) return [];
    if (arrivedAtMs !== null) window.lastArrivalMs = arrivedAtMs;
    const firings: Firing[] = [];
    for (const candle of candles) {
      appendCandle(window, candle, this.lengthFor(series, window));
      for (const rule of rules) {
        if (!CANDLE_KINDS.has(rule.condition.kind)) continue;
        const observed = observeCandle(rule.condition, window);
        if (observed === null) continue;
        const eventTimeMs = candle.openTimeMs + window.stepMs;
        const firing = this.decide(rule, series, observed, eventTimeMs, `${candle.openTimeMs}`);
        if (firing) firings.push(firing);
      }
    }
    return firings;
  }

  /** A new forecast of one series; returns what fired. */
  onForecast(series: string, timeframe: Timeframe, forecast: EvaluatedForecast): Firing[] {
    const rules = this.rulesFor(series);
    const window = this.windowOf(series, timeframe, rules.length > 0);
    if (window === null) return [];
    window.forecasts.set(forecast.horizonMinutes, forecast);
    const firings: Firing[] = [];
    for (const rule of rules) {
      const condition = rule.condition;
      if (condition.kind !== 'forecast-move') continue;
      if (condition.horizonMinutes !== undefined && condition.horizonMinutes !== forecast.horizonMinutes)
        continue;
      const change = percentChange(forecast.lastClose, forecast.point);
      const observed: Observation = {
        active: Math.abs(change) >= condition.percent,
        values: {
          price: forecast.lastClose,
          forecast: forecast.point,
          change,
          lower95: forecast.lower95,
          upper95: forecast.upper95,
          horizonMinutes: forecast.horizonMinutes,
        },
      };
      const firing = this.decide(rule, series, observed, forecast.issuedAtMs, `forecast:${forecast.id}`);
      if (firing) firings.push(firing);
    }
    return firings;
  }

  /**
   * Staleness, by the caller's clock: a rule fires for each series it watches that has had no
   * candle for `afterMinutes` (a series never heard from counts from when watching began), once
   * per stall; a candle arriving re-arms it.
   */
  checkStale(nowMs: number): Firing[] {
    const firings: Firing[] = [];
    for (const rule of this.staleRules) {
      if (rule.condition.kind !== 'stale') continue;
      const afterMs = rule.condition.afterMinutes * 60_000;
      const watched = rule.series === null ? [...this.windows.keys()] : [rule.series];
      for (const series of watched) {
        const lastMs = this.windows.get(series)?.lastArrivalMs ?? this.watchingSinceMs;
        const silentMs = nowMs - lastMs;
        const observed: Observation = {
          active: silentMs >= afterMs,
          values: { minutes: Math.floor(silentMs / 60_000) },
        };
        const firing = this.decide(rule, series, observed, nowMs, `stale:${lastMs}`);
        if (firing) firings.push(firing);
      }
    }
    return firings;
  }

  /** Owners of the rules on failed jobs. */
  jobRuleOwners(): string[] {
    return [...new Set(this.jobRules.map((rule) => rule.ownerUserId))];
  }

  /** A failed job; `mayRead` says whether a rule's owner may see that job. */
  onJobFailed(
    job: { jobId: string; kind: string; error: string | null; atMs: number },
    mayRead: (rule: AlertRule) => boolean,
  ): Firing[] {
    const firings: Firing[] = [];
    for (const rule of this.jobRules) {
      const condition = rule.condition;
      if (condition.kind !== 'job-failed') continue;
      if (condition.jobKinds !== undefined && !(condition.jobKinds as readonly string[]).includes(job.kind))
        continue;
      if (!mayRead(rule)) continue;
      firings.push({
        rule,
        series: `jobs:${job.kind}`,
        idempotencyKey: `${rule.id}|job:${job.jobId}`,
        firedAtMs: job.atMs,
        values: {},
        message: renderAlertMessage(rule, `jobs:${job.kind}`, {}, job.atMs, {
          job: `${job.kind} job ${job.jobId}`,
          error: job.error ?? 'no reason given',
        }),
        silent: rule.quietHours !== null && isInQuietHours(rule.quietHours, job.atMs),
      });
    }
    return firings;
  }

  /** Owners of the rules on component health. */
  healthRuleOwners(): string[] {
    return [...new Set(this.healthRules.map((rule) => rule.ownerUserId))];
  }

  /**
   * A component's health changed in some process: a rule fires when it goes down (or degraded,
   * if asked) and re-arms once the component reports ok again. Each process's view of a
   * component is its own subject (`health:<process>/<component>`), so one process recovering
   * does not re-arm a rule on another's outage.
   */
  onComponentHealth(
    event: {
      process: string;
      component: string;
      state: 'ok' | 'degraded' | 'down';
      reason: string | null;
      atMs: number;
    },
    mayRead: (rule: AlertRule) => boolean,
  ): Firing[] {
    const firings: Firing[] = [];
    const subject = `health:${event.process}/${event.component}`;
    for (const rule of this.healthRules) {
      const condition = rule.condition;
      if (condition.kind !== 'component-unhealthy') continue;
      if (
        condition.components !== undefined &&
        !condition.components.some((name) => componentMatches(name, event.component))
      )
        continue;
      if (!mayRead(rule)) continue;
      const active =
        event.state === 'down' || (event.state === 'degraded' && condition.includeDegraded === true);
      const firing = this.decide(rule, subject, { active, values: {} }, event.atMs, `health:${event.atMs}`, {
        component: event.component,
        state: event.state,
        reason: event.reason ?? 'no reason given',
      });
      if (firing) firings.push(firing);
    }
    return firings;
  }

  /**
   * A model version's accuracy over its recent scored forecasts: a rule fires when its MAE is
   * above `relativeMae` times naive's with at least `minScored` scored, and re-arms once the
   * model is back within it. Each model version of a series is its own subject.
   */
  onModelAccuracy(accuracy: {
    series: string;
    modelVersionId: number;
    modelType: string;
    horizonMinutes: number;
    scored: number;
    mae: number | null;
    naiveMae: number | null;
    relativeMae: number | null;
    lastTargetMs: number;
  }): Firing[] {
    const firings: Firing[] = [];
    for (const rule of this.accuracyRules) {
      const condition = rule.condition;
      if (condition.kind !== 'model-behind-naive') continue;
      if (rule.series !== null && rule.series !== accuracy.series) continue;
      if (condition.horizonMinutes !== undefined && condition.horizonMinutes !== accuracy.horizonMinutes)
        continue;
      // Too few scored forecasts, or no naive error to compare with: no judgement either way.
      if (accuracy.scored < condition.minScored || accuracy.relativeMae === null) continue;
      const values: Record<string, number> = {
        relativeMae: accuracy.relativeMae,
        scored: accuracy.scored,
        horizonMinutes: accuracy.horizonMinutes,
        modelVersionId: accuracy.modelVersionId,
      };
      if (accuracy.mae !== null) values.mae = accuracy.mae;
      if (accuracy.naiveMae !== null) values.naiveMae = accuracy.naiveMae;
      const firing = this.decide(
        rule,
        accuracy.series,
        { active: accuracy.relativeMae > condition.relativeMae, values },
        accuracy.lastTargetMs,
        `model:${accuracy.modelVersionId}:${accuracy.lastTargetMs}`,
        { model: `${accuracy.modelType} v${accuracy.modelVersionId}` },
        `${accuracy.series}#${accuracy.modelVersionId}`,
      );
      if (firing) firings.push(firing);
    }
    return firings;
  }

  /**
   * An instrument's stats from one poll (a rune's holders, volume, …). A rule fires when its stat
   * changed `percent` within its window, or stands at or above `above` (with a window: grew by
   * `above` within it), and re-arms once that has cleared. Each stat of a series is its own subject.
   */
  onStats(series: string, observedAtMs: number, metrics: Readonly<Record<string, number>>): Firing[] {
    if (this.statRules.length === 0) return [];
    const firings: Firing[] = [];
    for (const [metric, value] of Object.entries(metrics)) {
      const rules = this.statRules.filter(
        (rule) => statMetricOf(rule.condition) === metric && (rule.series === null || rule.series === series),
      );
      if (rules.length === 0) continue;
      const subject = `${series}#${metric}`;
      const history = this.statHistories.get(subject) ?? [];
      const last = history.at(-1);
      // A poll older than one already seen (a late redelivery) changes nothing.
      if (last !== undefined && observedAtMs < last.timeMs) continue;
      if (last !== undefined && observedAtMs === last.timeMs)
        history[history.length - 1] = { timeMs: observedAtMs, value };
      else history.push({ timeMs: observedAtMs, value });
      // Keep one point at or before the longest window's start, so the window always has its reference.
      while (history.length > 1 && history[1]!.timeMs <= observedAtMs - this.statWindowMs) history.shift();
      this.statHistories.set(subject, history);
      for (const rule of rules) {
        const condition = rule.condition;
        if (condition.kind !== 'rune-stat' && condition.kind !== 'sentiment-shift') continue;
        const observed = observeStat(condition, history, observedAtMs);
        if (observed === null) continue;
        const firing = this.decide(
          rule,
          series,
          observed,
          observedAtMs,
          `stat:${metric}:${observedAtMs}`,
          { metric },
          subject,
        );
        if (firing) firings.push(firing);
      }
    }
    return firings;
  }

  private rulesFor(series: string): AlertRule[] {
    const own = this.rulesBySeries.get(series);
    if (own === undefined) return this.rulesForAll;
    return this.rulesForAll.length === 0 ? own : [...own, ...this.rulesForAll];
  }

  private lengthFor(series: string, window: SeriesWindow): number {
    const own = this.needs.get(series) ?? { minutes: 0, candles: 2 };
    const all = this.rulesForAll.length > 0 ? this.needForAll : { minutes: 0, candles: 2 };
    const minutes = Math.max(own.minutes, all.minutes);
    // `move` windows are in minutes: one more candle than the window spans, in this series' step.
    const candles = Math.max(own.candles, all.candles, Math.ceil((minutes * 60_000) / window.stepMs) + 2);
    return Math.min(MAX_WINDOW_CANDLES, candles);
  }

  private windowOf(series: string, timeframe: Timeframe, create: boolean): SeriesWindow | null {
    let window = this.windows.get(series);
    if (window === undefined) {
      if (!create) return null;
      window = { stepMs: timeframeMs(timeframe), lastArrivalMs: null, candles: [], forecasts: new Map() };
      this.windows.set(series, window);
    }
    return window;
  }

  private decide(
    rule: AlertRule,
    series: string,
    observed: Observation,
    eventTimeMs: number,
    eventId: string,
    texts: Record<string, string> = {},
    /** What hysteresis and cooldown are kept for, when finer than the series. */
    subject = series,
  ): Firing | null {
    const key = stateKey(rule.id, subject);
    let state = this.states.get(key);
    if (state === undefined) {
      // A crossing rule fires on a crossing, not because the price already stands beyond the
      // level when the rule first sees it; every other rule starts armed.
      const armed = rule.condition.kind === 'price-cross' ? null : true;
      state = { ruleId: rule.id, series: subject, armed, lastFiredAtMs: null };
      this.states.set(key, state);
    }
    if (state.armed === null) {
      state.armed = !observed.active;
      this.changed.set(key, state);
      return null;
    }
    if (!observed.active) {
      if (!state.armed) {
        state.armed = true;
        this.changed.set(key, state);
      }
      return null;
    }
    if (!state.armed) return null;
    const cooldownMs = rule.cooldownMinutes * 60_000;
    if (state.lastFiredAtMs !== null && eventTimeMs - state.lastFiredAtMs < cooldownMs) return null;
    state.armed = false;
    state.lastFiredAtMs = eventTimeMs;
    this.changed.set(key, state);
    return {
      rule,
      series,
      idempotencyKey: `${rule.id}|${subject}|${eventId}`,
      firedAtMs: eventTimeMs,
      values: observed.values,
      message: renderAlertMessage(rule, series, observed.values, eventTimeMs, texts),
      silent: rule.quietHours !== null && isInQuietHours(rule.quietHours, eventTimeMs),
    };
  }
}

interface Observation {
  active: boolean;
  values: Record<string, number>;
}

interface StatPoint {
  timeMs: number;
  value: number;
}

type StatCondition = Extract<AlertCondition, { kind: 'rune-stat' | 'sentiment-shift' }>;

/** The metric a rule on announced stats watches; null for the other kinds. */
function statMetricOf(condition: AlertCondition): string | null {
  if (condition.kind === 'rune-stat') return condition.metric;
  // Mean sentiment of the news about a market over the last hour or day (the text metrics).
  if (condition.kind === 'sentiment-shift') return `sentiment_mean_${condition.over}`;
  return null;
}

/** The span a stat rule looks back over (none for a plain level). */
function statWindowMinutes(condition: AlertCondition): number {
  if (condition.kind === 'sentiment-shift') return condition.windowMinutes;
  if (condition.kind !== 'rune-stat') return 0;
  return condition.windowMinutes ?? (condition.percent !== undefined ? 60 : 0);
}

/** The value at a time: the newest point at or before it (none yet: no judgement). */
function valueAtOrBefore(history: readonly StatPoint[], timeMs: number): StatPoint | undefined {
  let reference: StatPoint | undefined;
  for (const point of history) {
    if (point.timeMs > timeMs) break;
    reference = point;
  }
  return reference;
}

function observeStat(
  condition: StatCondition,
  history: readonly StatPoint[],
  nowMs: number,
): Observation | null {
  const latest = history.at(-1);
  if (latest === undefined) return null;
  const windowMinutes = statWindowMinutes(condition);
  if (condition.kind === 'sentiment-shift') {
    const reference = valueAtOrBefore(history, nowMs - windowMinutes * 60_000);
    if (reference === undefined) return null;
    const shift = latest.value - reference.value;
    return {
      active: Math.abs(shift) >= condition.shift,
      values: { sentiment: latest.value, reference: reference.value, shift },
    };
  }
  if (condition.above !== undefined && windowMinutes === 0) {
    return {
      active: latest.value >= condition.above,
      values: { value: latest.value, level: condition.above },
    };
  }
  const reference = valueAtOrBefore(history, nowMs - windowMinutes * 60_000);
  if (reference === undefined) return null;
  if (condition.above !== undefined) {
    return {
      active: latest.value - reference.value >= condition.above,
      values: { value: latest.value, reference: reference.value, level: condition.above },
    };
  }
  const change = percentChange(reference.value, latest.value);
  return {
    active: Math.abs(change) >= (condition.percent ?? Number.POSITIVE_INFINITY),
    values: { value: latest.value, reference: reference.value, change },
  };
}

function stateKey(ruleId: string, series: string): string {
  return `${ruleId}|${series}`;
}

/** A component name, or a prefix ending in `*`. */
function componentMatches(pattern: string, component: string): boolean {
  return pattern.endsWith('*') ? component.startsWith(pattern.slice(0, -1)) : pattern === component;
}

function percentChange(from: number, to: number): number {
  return from === 0 ? 0 : ((to - from) / from) * 100;
}

/** How much history the rules of a series need: a span in minutes and a count of candles. */
interface WindowNeed {
  minutes: number;
  candles: number;
}

function widerNeed(need: WindowNeed, condition: AlertCondition): WindowNeed {
  if (condition.kind === 'move') return { ...need, minutes: Math.max(need.minutes, condition.windowMinutes) };
  if (condition.kind === 'volume-spike')
    return { ...need, candles: Math.max(need.candles, condition.lookbackCandles + 1) };
  return need;
}

function appendCandle(window: SeriesWindow, candle: EvaluatedCandle, maxLength: number): void {
  const candles = window.candles;
  const last = candles.at(-1);
  if (last !== undefined && candle.openTimeMs === last.openTimeMs) {
    candles[candles.length - 1] = candle;
  } else if (last === undefined || candle.openTimeMs > last.openTimeMs) {
    candles.push(candle);
    if (candles.length > maxLength) candles.splice(0, candles.length - maxLength);
  }
  // An older candle (a late correction) changes nothing that already fired.
}

function observeCandle(condition: AlertCondition, window: SeriesWindow): Observation | null {
  const candles = window.candles;
  const latest = candles.at(-1);
  if (latest === undefined) return null;
  switch (condition.kind) {
    case 'price-cross': {
      const active =
        condition.direction === 'above' ? latest.close >= condition.level : latest.close <= condition.level;
      return { active, values: { price: latest.close, level: condition.level } };
    }
    case 'move': {
      // The close `windowMinutes` before the latest close (or the oldest kept, once enough is kept).
      const fromMs = latest.openTimeMs - condition.windowMinutes * 60_000;
      // Candles are in time order: binary search for the last one at or before `fromMs`.
      let low = 0;
      let high = candles.length - 2;
      let found = -1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        if (candles[middle]!.openTimeMs <= fromMs) {
          found = middle;
          low = middle + 1;
        } else high = middle - 1;
      }
      const reference = found >= 0 ? candles[found] : undefined;
      if (reference === undefined) return null;
      const change = percentChange(reference.close, latest.close);
      return {
        active: Math.abs(change) >= condition.percent,
        values: { price: latest.close, reference: reference.close, change },
      };
    }
    case 'volume-spike': {
      const history = candles.slice(-(condition.lookbackCandles + 1), -1);
      if (history.length < condition.lookbackCandles) return null;
      let sum = 0;
      for (const candle of history) sum += candle.volume;
      const mean = sum / history.length;
      let squares = 0;
      for (const candle of history) squares += (candle.volume - mean) ** 2;
      const deviation = Math.sqrt(squares / (history.length - 1));
      if (deviation === 0) return null;
      const zScore = (latest.volume - mean) / deviation;
      return {
        active: zScore >= condition.zScore,
        values: { price: latest.close, volume: latest.volume, zScore, mean },
      };
    }
    case 'forecast-band': {
      let chosen: EvaluatedForecast | null = null;
      const timeMs = latest.openTimeMs + window.stepMs;
      for (const forecast of window.forecasts.values()) {
        if (condition.horizonMinutes !== undefined && forecast.horizonMinutes !== condition.horizonMinutes)
          continue;
        if (timeMs < forecast.issuedAtMs || timeMs > forecast.targetTimeMs) continue;
        if (chosen === null || forecast.horizonMinutes < chosen.horizonMinutes) chosen = forecast;
      }
      if (chosen === null) return null;
      return {
        active: latest.close > chosen.upper95 || latest.close < chosen.lower95,
        values: {
          price: latest.close,
          forecast: chosen.point,
          lower95: chosen.lower95,
          upper95: chosen.upper95,
          horizonMinutes: chosen.horizonMinutes,
        },
      };
    }
    default:
      return null;
  }
}
