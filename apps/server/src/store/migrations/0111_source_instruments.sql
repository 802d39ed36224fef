-- The instruments each snapshot source was last seen polling, with the newest values of each:
-- what a runes list reads without scanning every metric point.
CREATE TABLE source_instruments (
  source text NOT NULL,
  symbol text NOT NULL,
  -- The provider's own id of it (a rune's BLOCK:TX), when it gives one.
  instrument_id text,
  name text NOT NULL,
  simulated boolean NOT NULL,
  first_seen_at_ms bigint NOT NULL,
  observed_at_ms bigint NOT NULL,
  price double precision,
  metrics jsonb NOT NULL,
  PRIMARY KEY (source, symbol)
);
