/** @jsxRuntime automatic */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  TickMarkType,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type LineData,
  type Time,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useEffect, useRef, type ReactNode } from 'react';
import { formatTime } from '../../lib/format.ts';
import { chartPalette, useTheme, type ChartPalette } from '../../lib/theme.ts';
import { BandSeriesView, type BandData } from './band-series.ts';
import type { ChartBar, ChartTime, VolumeBar } from './candle-chart-data.ts';
import type { IndicatorPoint, IndicatorView } from './indicator-series.ts';

/** Forecast drawn on the chart: the point path and its interval bands, ahead of the candles. */
export interface ForecastOverlay {
  band: ({ time: ChartTime } & Omit<BandData, 'time'>)[];
  line: { time: ChartTime; value: number }[];
  /** Earlier forecasts at their target times, to compare with what happened. */
  past?: { time: ChartTime; value: number; hit: boolean | null }[];
}

/** What the page can do to the chart without re-rendering it. */
export interface CandleChartController {
  setData(bars: readonly ChartBar[], volumes: readonly VolumeBar[]): void;
  /** Replaces the newest bar or appends one. */
  update(bar: ChartBar, volume: VolumeBar): void;
  setForecast(overlay: ForecastOverlay | null): void;
  /**
   * Shows the last `seconds` of data (null: everything), the newest candle at the right edge
   * (forecast points ahead of it, when drawn, beside it). Bars get as thin as the range needs.
   */
  showLast(seconds: number | null): void;
  /** Draws indicators: Bollinger bands over the candles, RSI and MACD in panes below (null: none). */
  setIndicators(view: IndicatorView | null): void;
  setVolumeVisible(visible: boolean): void;
  palette(): ChartPalette;
}

/** The candle under the cursor, with its volume. */
export type HoveredBar = ChartBar & { volume: number | null };

/** Widest bars ever get when a range is shown (the library's own default). */
const DEFAULT_MIN_BAR_SPACING = 0.5;

function asTime(time: ChartTime): UTCTimestamp {
  return time as UTCTimestamp;
}

const tickFormats = new Map<string, Intl.DateTimeFormat>();

/** A time-axis label in a time zone: the year, month, day or clock time the tick marks. */
function tickLabel(timeSeconds: number, type: TickMarkType, timeZone: string): string {
  const cacheKey = `${timeZone}|${type}`;
  let format = tickFormats.get(cacheKey);
  if (format === undefined) {
    const options: Intl.DateTimeFormatOptions =
      type === TickMarkType.Year
        ? { year: 'numeric' }
        : type === TickMarkType.Month
          ? { month: 'short' }
          : type === TickMarkType.DayOfMonth
            ? { day: 'numeric' }
            : type === TickMarkType.TimeWithSeconds
              ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
              : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    format = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    tickFormats.set(cacheKey, format);
  }
  return format.format(timeSeconds * 1000);
}

function chartOptions(palette: ChartPalette) {
  return {
    layout: {
      background: { type: ColorType.Solid, color: palette.background },
      textColor: palette.text,
      fontSize: 12,
      attributionLogo: false,
    },
    grid: { vertLines: { color: palette.grid }, horzLines: { color: palette.grid } },
    rightPriceScale: { borderColor: palette.border },
    timeScale: { borderColor: palette.border, timeVisible: true, secondsVisible: false, rightOffset: 6 },
    crosshair: { mode: CrosshairMode.Normal },
  };
}

/**
 * Candles with volume underneath, and a forecast (point line, 80% and 95% bands) ahead of
 * them. Data goes in through the controller handed to `onReady`, so live ticks update the
 * canvas without React renders.
 */
export function CandleChart(props: {
  onReady: (controller: CandleChartController | null) => void;
  /** The candle under the cursor, or null when the cursor leaves the candles. */
  onHover?: (bar: HoveredBar | null) => void;
  height?: number;
  /** Candles, or a line through the closes. */
  chartStyle?: 'candles' | 'line';
  /** IANA zone of the time axis and crosshair labels (default UTC). */
  timeZone?: string;
  children?: ReactNode;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{
    chart: IChartApi;
    candles: ISeriesApi<'Candlestick'>;
    closeLine: ISeriesApi<'Line'>;
    volume: ISeriesApi<'Histogram'>;
    forecastLine: ISeriesApi<'Line'>;
    pastForecasts: ISeriesApi<'Line'>;
    band: ISeriesApi<'Custom', Time, BandData | WhitespaceData<Time>>;
  } | null>(null);
  const theme = useTheme();
  const { onReady } = props;
  const onHoverRef = useRef(props.onHover);
  onHoverRef.current = props.onHover;

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const palette = chartPalette();
    const chart = createChart(container, { ...chartOptions(palette), autoSize: true });
    const band = chart.addCustomSeries(new BandSeriesView(), {
      band80Color: palette.band80,
      band95Color: palette.band95,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
    } as never) as unknown as ISeriesApi<'Custom', Time, BandData | WhitespaceData<Time>>;
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: palette.up,
      downColor: palette.down,
      borderUpColor: palette.up,
      borderDownColor: palette.down,
      wickUpColor: palette.up,
      wickDownColor: palette.down,
    });
    // The line style draws the closes; the candles stay (hidden) for the hover values and ranges.
    const closeLine = chart.addSeries(LineSeries, {
      color: palette.accent,
      lineWidth: 2,
      priceLineVisible: false,
      visible: false,
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.22 } });
    const forecastLine = chart.addSeries(LineSeries, {
      color: palette.forecast,
      lineWidth: 2,
      lineStyle: LineStyle.Dashed,
      priceLineVisible: false,
      lastValueVisible: true,
      crosshairMarkerVisible: true,
      title: 'forecast',
    });
    const pastForecasts = chart.addSeries(LineSeries, {
      color: palette.forecast,
      lineVisible: false,
      pointMarkersVisible: true,
      pointMarkersRadius: 3,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
    });
    chartRef.current = { chart, candles, closeLine, volume, forecastLine, pastForecasts, band };
    chart.subscribeCrosshairMove((event) => {
      const bar = event.seriesData.get(candles) as (ChartBar & { time: Time }) | undefined;
      if (bar === undefined || !('open' in bar)) {
        onHoverRef.current?.(null);
        return;
      }
      const volumeBar = event.seriesData.get(volume) as { value?: number } | undefined;
      onHoverRef.current?.({
        time: bar.time as number,
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume: volumeBar?.value ?? null,
      });
    });
    // What is on screen, for people reading the page's markup (and its tests): the first and
    // last candle shown, and the empty slots right of the newest candle.
    chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      const bars = candles.data();
      if (range === null || bars.length === 0) return;
      const first = bars[Math.max(0, Math.min(bars.length - 1, Math.ceil(range.from)))]!;
      const last = bars[Math.max(0, Math.min(bars.length - 1, Math.floor(range.to)))]!;
      container.dataset.visibleFrom = String(first.time);
      container.dataset.visibleTo = String(last.time);
      container.dataset.emptyRight = String(Math.max(0, Math.round(range.to - (bars.length - 1))));
      container.dataset.visibleBars = String(Math.round(range.to - range.from));
    });
    // Times of the forecast points ahead of the candles, to keep them in view.
    let forecastTimes: number[] = [];
    // Indicator series are rebuilt on each change: panes come and go with their series.
    let indicatorSeries: ISeriesApi<'Line' | 'Histogram'>[] = [];
    const asLine = (values: readonly IndicatorPoint[]): LineData[] =>
      values.map((point) => ({ time: asTime(point.time), value: point.value }));
    const markPanes = () => {
      container.dataset.panes = String(chart.panes().length);
    };

    const controller: CandleChartController = {
      setData(bars, volumes) {
        candles.setData(bars.map((bar) => ({ ...bar, time: asTime(bar.time) })));
        closeLine.setData(bars.map((bar) => ({ time: asTime(bar.time), value: bar.close })));
        volume.setData(volumes.map((item) => ({ ...item, time: asTime(item.time) })));
      },
      update(bar, volumeBar) {
        candles.update({ ...bar, time: asTime(bar.time) });
        closeLine.update({ time: asTime(bar.time), value: bar.close });
        volume.update({ ...volumeBar, time: asTime(volumeBar.time) });
      },
      setForecast(overlay) {
        forecastTimes = (overlay === null ? [] : overlay.band.length > 0 ? overlay.band : overlay.line).map(
          (point) => point.time,
        );
        if (overlay === null) {
          band.setData([]);
          forecastLine.setData([]);
          pastForecasts.setData([]);
          return;
        }
        band.setData(overlay.band.map((point) => ({ ...point, time: asTime(point.time) })));
        forecastLine.setData(overlay.line.map((point): LineData => ({ ...point, time: asTime(point.time) })));
        const current = chartPalette();
        pastForecasts.setData(
          (overlay.past ?? []).map((point): LineData => ({
            time: asTime(point.time),
            value: point.value,
            color: point.hit === false ? current.down : point.hit === true ? current.up : current.muted,
          })),
        );
      },
      showLast(seconds) {
        const bars = candles.data();
        const last = bars.at(-1);
        if (last === undefined) return;
        // Logical indexes are positions on the time scale: the candles, then forecast points after them.
        const lastTime = last.time as number;
        let fromIndex = 0;
        if (seconds !== null) {
          fromIndex = bars.length - 1;
          while (fromIndex > 0 && (bars[fromIndex - 1]!.time as number) >= lastTime - seconds) fromIndex -= 1;
        }
        const shown = bars.length - fromIndex;
        // Forecast points ahead take at most a fifth of the width: the candles stay the subject.
        const ahead = Math.min(forecastTimes.filter((time) => time > lastTime).length, Math.ceil(shown / 4));
        const padding = Math.max(2, Math.round((shown + ahead) * 0.02));
        const slots = shown + ahead + padding;
        // The library keeps bars at least `minBarSpacing` wide and then shows fewer of them,
        // anchored at the right end: a long range would show only its last day or so, and on a
        // narrow screen mostly the empty slots ahead. Thinner bars let the whole range fit.
        const width = chart.timeScale().width();
        const spacing =
          width > 0 ? Math.min(DEFAULT_MIN_BAR_SPACING, (width / slots) * 0.98) : DEFAULT_MIN_BAR_SPACING;
        chart.timeScale().applyOptions({ minBarSpacing: spacing });
        chart.timeScale().setVisibleLogicalRange({ from: fromIndex, to: bars.length - 1 + ahead + padding });
      },
      setIndicators(view) {
        for (const series of indicatorSeries) chart.removeSeries(series);
        indicatorSeries = [];
        // Panes left without series stay as empty space: remove them, the lowest first.
        for (let index = chart.panes().length - 1; index >= 1; index -= 1) chart.removePane(index);
        container.dataset.indicators = '';
        if (view === null) {
          markPanes();
          return;
        }
        const current = chartPalette();
        const line = (color: string, paneIndex: number, title: string, lineWidth: 1 | 2 = 1) =>
          chart.addSeries(
            LineSeries,
            { color, lineWidth, priceLineVisible: false, lastValueVisible: true, title },
            paneIndex,
          );
        const drawn: string[] = [];
        if (view.bollinger !== null) {
          const color = current.series[4] ?? current.accent;
          const label = view.labels.bollinger ?? 'BB';
          const upper = line(color, 0, `${label} upper`);
          const middle = line(color, 0, label);
          const lower = line(color, 0, `${label} lower`);
          middle.applyOptions({ lineStyle: LineStyle.Dotted, lastValueVisible: false });
          upper.setData(asLine(view.bollinger.upper));
          middle.setData(asLine(view.bollinger.middle));
          lower.setData(asLine(view.bollinger.lower));
          indicatorSeries.push(upper, middle, lower);
          drawn.push('bollinger');
        }
        if (view.rsi !== null) {
          const rsi = line(current.series[5] ?? current.accent, view.rsi.pane, view.labels.rsi ?? 'RSI', 2);
          rsi.setData(asLine(view.rsi.values));
          // The usual overbought and oversold lines.
          rsi.createPriceLine({
            price: 70,
            color: current.muted,
            lineWidth: 1,
            lineStyle: LineStyle.Dashed,
            axisLabelVisible: false,
            title: '',
          });
          rsi.createPriceLine({
            price: 30,
            color: current.muted,
            lineWidth: 1,
            lineStyle: LineStyle.Dashed,
            axisLabelVisible: false,
            title: '',
          });
          indicatorSeries.push(rsi);
          drawn.push('rsi');
        }
        if (view.macd !== null) {
          const histogram = chart.addSeries(
            HistogramSeries,
            { priceLineVisible: false, lastValueVisible: false },
            view.macd.pane,
          );
          histogram.setData(
            view.macd.histogram.map((point) => ({
              time: asTime(point.time),
              value: point.value,
              color: point.value >= 0 ? current.up : current.down,
            })),
          );
          const macdLine = line(current.accent, view.macd.pane, view.labels.macd ?? 'MACD', 2);
          macdLine.setData(asLine(view.macd.line));
          const signal = line(current.forecast, view.macd.pane, 'signal');
          signal.setData(asLine(view.macd.signal));
          indicatorSeries.push(histogram, macdLine, signal);
          drawn.push('macd');
        }
        // The candles keep most of the height; each indicator pane takes a slice under them.
        const panes = chart.panes();
        panes[0]?.setStretchFactor(3);
        for (const pane of panes.slice(1)) pane.setStretchFactor(1);
        container.dataset.indicators = drawn.join(',');
        markPanes();
      },
      setVolumeVisible(visible) {
        volume.applyOptions({ visible });
        candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: visible ? 0.22 : 0.08 } });
        container.dataset.volume = String(visible);
      },
      palette: chartPalette,
    };
    markPanes();
    onReady(controller);
    return () => {
      onReady(null);
      chartRef.current = null;
      chart.remove();
    };
  }, [onReady]);

  useEffect(() => {
    const current = chartRef.current;
    if (current === null) return;
    const palette = chartPalette();
    current.chart.applyOptions(chartOptions(palette));
    current.candles.applyOptions({
      upColor: palette.up,
      downColor: palette.down,
      borderUpColor: palette.up,
      borderDownColor: palette.down,
      wickUpColor: palette.up,
      wickDownColor: palette.down,
    });
    current.closeLine.applyOptions({ color: palette.accent });
    current.forecastLine.applyOptions({ color: palette.forecast });
    current.pastForecasts.applyOptions({ color: palette.forecast });
    current.band.applyOptions({ band80Color: palette.band80, band95Color: palette.band95 } as never);
  }, [theme]);

  const chartStyle = props.chartStyle ?? 'candles';
  useEffect(() => {
    const current = chartRef.current;
    if (current === null) return;
    current.candles.applyOptions({ visible: chartStyle === 'candles' });
    current.closeLine.applyOptions({ visible: chartStyle === 'line' });
    if (containerRef.current !== null) containerRef.current.dataset.chartStyle = chartStyle;
  }, [chartStyle, onReady]);

  const timeZone = props.timeZone ?? 'UTC';
  useEffect(() => {
    const current = chartRef.current;
    if (current === null) return;
    current.chart.applyOptions({
      localization: { timeFormatter: (time: Time) => formatTime((time as number) * 1000, timeZone) },
      timeScale: {
        tickMarkFormatter: (time: Time, type: TickMarkType) => tickLabel(time as number, type, timeZone),
      },
    });
    if (containerRef.current !== null) containerRef.current.dataset.timeZone = timeZone;
  }, [timeZone, onReady]);

  return (
    <div className="chart-box" style={props.height ? { height: props.height } : undefined}>
      <div ref={containerRef} data-testid="candle-chart" style={{ position: 'absolute', inset: 0 }} />
      {props.children}
    </div>
  );
}
