/** @jsxRuntime automatic */
import type { StreamBookEvent } from '@runecast/contracts';
import { formatNumber, formatPrice, priceDecimals } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';

/** Spread in basis points of the mid price. */
export function spreadBasisPoints(book: Pick<StreamBookEvent, 'bidPrice' | 'askPrice'>): number {
  const mid = (book.bidPrice + book.askPrice) / 2;
  return mid > 0 ? ((book.askPrice - book.bidPrice) / mid) * 10_000 : 0;
}

/** Enough decimals that a tight spread does not read as zero. */
export function formatBasisPoints(basisPoints: number): string {
  if (basisPoints === 0) return '0';
  return basisPoints >= 1 ? basisPoints.toFixed(2) : basisPoints.toPrecision(2);
}

/** Best bid and ask as the live stream last reported them. */
export function TopOfBook(props: { book: StreamBookEvent | null; streaming: boolean }) {
  const { formatTime } = useTimeFormat();
  const { book } = props;
  if (book === null) {
    return (
      <p className="muted" data-testid="top-of-book-empty">
        {props.streaming
          ? 'Waiting for the next quote from the exchange…'
          : 'The live stream is not connected.'}
      </p>
    );
  }
  return (
    <div className="stack" data-testid="top-of-book" style={{ gap: 10 }}>
      <div className="book">
        <span className="muted small">side</span>
        <span className="muted small num">price</span>
        <span className="muted small num">size</span>
        <span>Ask</span>
        <span className="num down">{formatPrice(book.askPrice)}</span>
        <span className="num">{formatNumber(book.askSize, 6)}</span>
        <span>Bid</span>
        <span className="num up">{formatPrice(book.bidPrice)}</span>
        <span className="num">{formatNumber(book.bidSize, 6)}</span>
      </div>
      <dl className="kv small">
        <dt>Spread</dt>
        <dd className="num">
          {formatPrice(book.askPrice - book.bidPrice, priceDecimals(book.askPrice))} (
          {formatBasisPoints(spreadBasisPoints(book))} bp)
        </dd>
        <dt>Mid</dt>
        <dd className="num">{formatPrice((book.askPrice + book.bidPrice) / 2)}</dd>
        <dt>Quoted</dt>
        <dd className="num">{formatTime(book.timestampMs, true)}</dd>
      </dl>
      {book.simulated ? <span className="badge simulated">simulated quote</span> : null}
    </div>
  );
}
