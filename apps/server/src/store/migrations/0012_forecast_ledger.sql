-- The forecast ledger: every forecast a production model made, with its model version and the
-- candles it read, scored against the actual close and against the naive forecast (the last
-- close) once its target time has passed. Times are epoch milliseconds in bigint.

CREATE TABLE forecasts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  exchange text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  horizon_minutes integer NOT NULL CHECK (horizon_minutes > 0),
  model_version_id bigint NOT NULL REFERENCES model_versions (id),
  model_type text NOT NULL,
  -- Wall-clock time the forecast was made.
  made_at_ms bigint NOT NULL,
  -- Open times of the first and last candle the forecast read; the last is its origin.
  input_start_ms bigint NOT NULL,
  input_end_ms bigint NOT NULL,
  -- When the data allowed it: the close of the origin candle.
  issued_at_ms bigint NOT NULL,
  -- Close time of the candle whose close is forecast.
  target_time_ms bigint NOT NULL,
  last_close double precision NOT NULL CHECK (last_close > 0),
  point double precision NOT NULL CHECK (point > 0),
  lower80 double precision NOT NULL,
  upper80 double precision NOT NULL,
  lower95 double precision NOT NULL,
  upper95 double precision NOT NULL,
  -- Filled in when scored.
  actual_close double precision,
  scored_at_ms bigint,
  -- point - actual and last_close - actual: signed errors of the model and of naive.
  error double precision,
  naive_error double precision,
  hit80 boolean,
  hit95 boolean,
  UNIQUE (model_version_id, input_end_ms),
  CHECK (input_end_ms >= input_start_ms AND target_time_ms > issued_at_ms),
  CHECK (lower95 <= lower80 AND lower80 <= upper80 AND upper80 <= upper95),
  CHECK ((scored_at_ms IS NULL) = (actual_close IS NULL))
);

CREATE INDEX forecasts_by_series ON forecasts (exchange, symbol, timeframe, horizon_minutes, issued_at_ms DESC);
CREATE INDEX forecasts_unscored ON forecasts (target_time_ms) WHERE scored_at_ms IS NULL;
CREATE INDEX forecasts_by_version ON forecasts (model_version_id, target_time_ms);

-- Accuracy of every model version over all its scored forecasts; the repository offers the same
-- figures over a recent window.
CREATE VIEW forecast_accuracy AS
SELECT model_version_id,
       min(model_type) AS model_type,
       min(exchange) AS exchange,
       min(symbol) AS symbol,
       min(timeframe) AS timeframe,
       min(horizon_minutes) AS horizon_minutes,
       count(*) AS scored,
       avg(abs(error)) AS mae,
       sqrt(avg(error * error)) AS rmse,
       avg(abs(naive_error)) AS naive_mae,
       avg(abs(error)) / NULLIF(avg(abs(naive_error)), 0) AS relative_mae,
       avg(hit80::int) AS coverage80,
       avg(hit95::int) AS coverage95,
       -- Up/down calls only: a forecast of no change, or no change happening, is no call.
       avg(CASE WHEN point <> last_close AND actual_close <> last_close
                THEN ((point > last_close) = (actual_close > last_close))::int END) AS directional_accuracy,
       min(target_time_ms) AS first_target_ms,
       max(target_time_ms) AS last_target_ms
FROM forecasts
WHERE scored_at_ms IS NOT NULL
GROUP BY model_version_id;
