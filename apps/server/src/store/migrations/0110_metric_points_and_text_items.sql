-- Instrument stats and text items, from snapshot sources (runes providers) and text sources
-- (Discord channels, news feeds).
--
-- A metric point is one named stat of one instrument at one poll (`holders` of
-- `DOG•GO•TO•THE•MOON/SATS` from `ordiscan`). Points are kept at poll resolution; a missed poll
-- is absent, never interpolated, and the coverage ledger of the instrument's price series (the
-- same poll writes both) says which polls happened.
CREATE TABLE metric_points (
  source text NOT NULL,
  symbol text NOT NULL,
  metric text NOT NULL,
  time_ms bigint NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (source, symbol, metric, time_ms)
);

-- A text item is idempotent by its source's own id within a channel. `seen_at_ms` is when this
-- installation first stored it; a later copy never moves it.
CREATE TABLE text_items (
  source text NOT NULL,
  channel text NOT NULL,
  item_id text NOT NULL,
  published_at_ms bigint NOT NULL,
  seen_at_ms bigint NOT NULL,
  title text,
  body text NOT NULL,
  url text,
  author text,
  PRIMARY KEY (source, channel, item_id)
);

CREATE INDEX text_items_by_time ON text_items (source, channel, published_at_ms);
