import {
  customSeriesDefaultOptions,
  type CustomData,
  type CustomSeriesOptions,
  type CustomSeriesWhitespaceData,
  type ICustomSeriesPaneRenderer,
  type ICustomSeriesPaneView,
  type PaneRendererCustomData,
  type PriceToCoordinateConverter,
  type Time,
} from 'lightweight-charts';

/** One point of a forecast interval: the 80% band inside the 95% band. */
export interface BandData extends CustomData<Time> {
  lower95: number;
  lower80: number;
  upper80: number;
  upper95: number;
}

export interface BandSeriesOptions extends CustomSeriesOptions {
  band80Color: string;
  band95Color: string;
}

type DrawTarget = Parameters<ICustomSeriesPaneRenderer['draw']>[0];
type Bars = PaneRendererCustomData<Time, BandData>['bars'];

function fillBand(
  context: CanvasRenderingContext2D,
  bars: Bars,
  from: number,
  to: number,
  toY: (price: number) => number | null,
  xScale: number,
  lower: (data: BandData) => number,
  upper: (data: BandData) => number,
  color: string,
): void {
  context.beginPath();
  let started = false;
  for (let index = from; index <= to; index += 1) {
    const bar = bars[index]!;
    const y = toY(upper(bar.originalData));
    if (y === null) continue;
    if (started) context.lineTo(bar.x * xScale, y);
    else context.moveTo(bar.x * xScale, y);
    started = true;
  }
  for (let index = to; index >= from; index -= 1) {
    const bar = bars[index]!;
    const y = toY(lower(bar.originalData));
    if (y === null) continue;
    context.lineTo(bar.x * xScale, y);
  }
  if (!started) return;
  context.closePath();
  context.fillStyle = color;
  context.fill();
}

class BandRenderer implements ICustomSeriesPaneRenderer {
  private data: PaneRendererCustomData<Time, BandData> | null = null;
  private options: BandSeriesOptions | null = null;

  update(data: PaneRendererCustomData<Time, BandData>, options: BandSeriesOptions): void {
    this.data = data;
    this.options = options;
  }

  draw(target: DrawTarget, priceToCoordinate: PriceToCoordinateConverter): void {
    const data = this.data;
    const options = this.options;
    if (data === null || options === null || data.bars.length === 0 || data.visibleRange === null) return;
    target.useBitmapCoordinateSpace((scope) => {
      const context = scope.context;
      const yScale = scope.verticalPixelRatio;
      const toY = (price: number) => {
        const coordinate = priceToCoordinate(price);
        return coordinate === null ? null : coordinate * yScale;
      };
      // One bar beyond each edge keeps the band's edges continuous while scrolling.
      const from = Math.max(0, data.visibleRange!.from - 1);
      const to = Math.min(data.bars.length - 1, data.visibleRange!.to);
      if (to < from) return;
      const xScale = scope.horizontalPixelRatio;
      fillBand(
        context,
        data.bars,
        from,
        to,
        toY,
        xScale,
        (d) => d.lower95,
        (d) => d.upper95,
        options.band95Color,
      );
      fillBand(
        context,
        data.bars,
        from,
        to,
        toY,
        xScale,
        (d) => d.lower80,
        (d) => d.upper80,
        options.band80Color,
      );
    });
  }
}

/**
 * A custom series of lightweight-charts that shades the 95% interval and, darker, the 80%
 * interval of a forecast between their lower and upper bounds.
 */
export class BandSeriesView implements ICustomSeriesPaneView<Time, BandData, BandSeriesOptions> {
  private readonly bandRenderer = new BandRenderer();

  renderer(): ICustomSeriesPaneRenderer {
    return this.bandRenderer;
  }

  update(data: PaneRendererCustomData<Time, BandData>, options: BandSeriesOptions): void {
    this.bandRenderer.update(data, options);
  }

  priceValueBuilder(plotRow: BandData): number[] {
    return [plotRow.lower95, plotRow.upper95, (plotRow.lower80 + plotRow.upper80) / 2];
  }

  isWhitespace(data: BandData | CustomSeriesWhitespaceData<Time>): data is CustomSeriesWhitespaceData<Time> {
    return (data as Partial<BandData>).upper95 === undefined;
  }

  defaultOptions(): BandSeriesOptions {
    return {
      ...customSeriesDefaultOptions,
      band80Color: 'rgba(245, 185, 66, 0.3)',
      band95Color: 'rgba(245, 185, 66, 0.13)',
    };
  }
}
