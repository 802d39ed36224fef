-- The model registry: every trained model version with what it was trained on, how it scored in
-- its walk-forward evaluation, and its fitted artifact. Times are epoch milliseconds in bigint.

CREATE TABLE model_versions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model_type text NOT NULL CHECK (model_type ~ '^[a-z][a-z0-9-]{0,39}$'),
  exchange text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  horizon_minutes integer NOT NULL CHECK (horizon_minutes > 0),
  params jsonb NOT NULL,
  feature_names jsonb NOT NULL CHECK (jsonb_typeof(feature_names) = 'array'),
  -- Feature settings and cross-asset series the matrix was built with; prediction rebuilds the same.
  feature_settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  cross_asset_series jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(cross_asset_series) = 'array'),
  -- Open times of the first and last candle the final fit saw.
  training_start_ms bigint NOT NULL,
  training_end_ms bigint NOT NULL,
  training_candles integer NOT NULL CHECK (training_candles > 0),
  -- SHA-256 of the training candles: the same fingerprint means the same data.
  data_fingerprint text NOT NULL CHECK (data_fingerprint ~ '^[0-9a-f]{64}$'),
  -- Walk-forward metrics of this model; naive's on the same origins and the settings sit in `evaluation`.
  metrics jsonb NOT NULL,
  evaluation jsonb NOT NULL DEFAULT '{}'::jsonb,
  artifact bytea NOT NULL,
  artifact_sha256 text NOT NULL CHECK (artifact_sha256 ~ '^[0-9a-f]{64}$'),
  stage text NOT NULL DEFAULT 'candidate' CHECK (stage IN ('candidate', 'production', 'archived')),
  created_at_ms bigint NOT NULL,
  stage_changed_at_ms bigint NOT NULL,
  -- The job that trained it, when one did (jobs are pruned independently, so no foreign key).
  job_id uuid,
  CHECK (training_end_ms >= training_start_ms)
);

CREATE INDEX model_versions_by_series ON model_versions (exchange, symbol, timeframe, horizon_minutes, id);

-- At most one production version per series and horizon; promotion archives the previous one
-- in the same transaction.
CREATE UNIQUE INDEX model_versions_one_production
  ON model_versions (exchange, symbol, timeframe, horizon_minutes)
  WHERE stage = 'production';

-- Every change of the production version, so a rollback knows what came before.
CREATE TABLE model_promotions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  exchange text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL,
  horizon_minutes integer NOT NULL,
  action text NOT NULL CHECK (action IN ('promote', 'rollback')),
  version_id bigint NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
  previous_version_id bigint REFERENCES model_versions (id) ON DELETE SET NULL,
  reason text,
  at_ms bigint NOT NULL
);

CREATE INDEX model_promotions_by_series
  ON model_promotions (exchange, symbol, timeframe, horizon_minutes, id);
