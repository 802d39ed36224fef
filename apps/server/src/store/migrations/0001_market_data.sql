-- Market data: markets, candles, trades, top of book and the coverage ledger.
--
-- Prices, sizes and volumes are double precision, not numeric: exchanges send them as JSON
-- numbers or short decimal strings that parse to one double and print back unchanged
-- (shortest round-trip output), so nothing is lost, while COPY, comparisons and sums stay in
-- hardware floating point; numeric would parse and add in software on the ingest hot path.
-- Times are epoch milliseconds in bigint, as everywhere in Runecast.

CREATE TABLE markets (
  exchange text NOT NULL,
  symbol text NOT NULL,
  base text NOT NULL,
  quote text NOT NULL,
  type text NOT NULL CHECK (type IN ('spot', 'swap', 'future', 'option', 'other')),
  active boolean NOT NULL,
  -- ccxt reports precision either as decimal places or as a tick size, so it is not an integer.
  price_precision double precision,
  amount_precision double precision,
  added_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, symbol)
);

CREATE TABLE candles (
  exchange text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  open_time_ms bigint NOT NULL,
  open double precision NOT NULL,
  high double precision NOT NULL,
  low double precision NOT NULL,
  close double precision NOT NULL,
  volume double precision NOT NULL,
  quote_volume double precision,
  trade_count bigint,
  closed boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, symbol, timeframe, open_time_ms),
  -- The last line of defence: the repository validates first and names the problem.
  CONSTRAINT candles_prices_consistent CHECK (
    low > 0 AND high >= low AND open BETWEEN low AND high AND close BETWEEN low AND high
  ),
  CONSTRAINT candles_amounts_not_negative CHECK (
    volume >= 0 AND (quote_volume IS NULL OR quote_volume >= 0) AND (trade_count IS NULL OR trade_count >= 0)
  )
);

CREATE TABLE trades (
  exchange text NOT NULL,
  symbol text NOT NULL,
  trade_id text NOT NULL,
  timestamp_ms bigint NOT NULL,
  price double precision NOT NULL CHECK (price > 0),
  amount double precision NOT NULL CHECK (amount >= 0),
  side text CHECK (side IN ('buy', 'sell')),
  PRIMARY KEY (exchange, symbol, trade_id)
);

CREATE INDEX trades_by_time ON trades (exchange, symbol, timestamp_ms);

CREATE TABLE top_of_book (
  exchange text NOT NULL,
  symbol text NOT NULL,
  timestamp_ms bigint NOT NULL,
  bid_price double precision NOT NULL CHECK (bid_price > 0),
  bid_size double precision NOT NULL CHECK (bid_size >= 0),
  ask_price double precision NOT NULL CHECK (ask_price > 0),
  ask_size double precision NOT NULL CHECK (ask_size >= 0),
  PRIMARY KEY (exchange, symbol, timestamp_ms),
  CHECK (bid_price <= ask_price)
);

-- The coverage ledger: per series, non-overlapping [start_ms, end_ms) ranges known complete
-- (candles stored) or known empty (the exchange had no trades). Whatever no row covers is
-- missing. Adjacent ranges of one state are merged, so a year of 1m candles is a handful of rows.
CREATE TABLE coverage_ranges (
  exchange text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  start_ms bigint NOT NULL,
  end_ms bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('complete', 'empty')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, symbol, timeframe, start_ms),
  CHECK (end_ms > start_ms)
);
