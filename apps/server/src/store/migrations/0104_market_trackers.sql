-- Who asked to track each market added through the API, for the per-user quota of tracked
-- markets. Removing the market or the user removes the row.
CREATE TABLE market_trackers (
  exchange text NOT NULL,
  symbol text NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  added_at_ms bigint NOT NULL,
  PRIMARY KEY (exchange, symbol),
  FOREIGN KEY (exchange, symbol) REFERENCES markets (exchange, symbol) ON DELETE CASCADE
);

CREATE INDEX market_trackers_by_user ON market_trackers (user_id);
