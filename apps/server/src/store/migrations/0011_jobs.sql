-- The job queue: train, backtest, tune and predict jobs (and any other kind a worker handles).
-- Workers claim queued jobs with FOR UPDATE SKIP LOCKED, hold a lease they renew with
-- heartbeats, and a job whose lease ran out (its worker died) is claimed again. Times are epoch
-- milliseconds from the database clock, so workers on several hosts agree on lease expiry.

CREATE FUNCTION runecast_now_ms() RETURNS bigint
  LANGUAGE sql VOLATILE
  AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9-]{0,39}$'),
  state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  payload jsonb NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  run_after_ms bigint NOT NULL,
  -- A fresh token per claim: only the holder of the current lease may report or finish.
  lease_token uuid,
  lease_owner text,
  lease_expires_at_ms bigint,
  heartbeat_at_ms bigint,
  cancel_requested boolean NOT NULL DEFAULT false,
  progress_percent double precision CHECK (progress_percent BETWEEN 0 AND 100),
  progress_message text,
  progress_epoch integer,
  progress_total_epochs integer,
  -- [{epoch, trainLoss, validationLoss}] in epoch order, for loss curves.
  loss_history jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(loss_history) = 'array'),
  result jsonb,
  error text,
  error_code text,
  -- Among queued and running jobs a key is unique, so a periodic enqueue never piles up copies.
  dedupe_key text,
  created_at_ms bigint NOT NULL,
  started_at_ms bigint,
  finished_at_ms bigint,
  updated_at_ms bigint NOT NULL,
  CHECK ((state = 'running') = (lease_token IS NOT NULL))
);

CREATE INDEX jobs_queued ON jobs (priority DESC, run_after_ms, created_at_ms) WHERE state = 'queued';
CREATE INDEX jobs_running_leases ON jobs (lease_expires_at_ms) WHERE state = 'running';
CREATE INDEX jobs_by_created ON jobs (created_at_ms DESC);
CREATE UNIQUE INDEX jobs_active_dedupe ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

-- Trials of hyperparameter searches, one row per candidate.
CREATE TABLE tuning_trials (
  job_id uuid NOT NULL,
  trial integer NOT NULL CHECK (trial >= 0),
  model_type text NOT NULL,
  exchange text NOT NULL,
  symbol text NOT NULL,
  timeframe text NOT NULL,
  horizon_minutes integer NOT NULL,
  metric text NOT NULL,
  params jsonb NOT NULL,
  -- null when the candidate failed (then `error` says why).
  score double precision,
  naive_score double precision,
  metrics jsonb,
  error text,
  duration_ms double precision NOT NULL,
  created_at_ms bigint NOT NULL,
  PRIMARY KEY (job_id, trial)
);

-- Small named facts the scheduler keeps across restarts (e.g. when retraining last ran).
CREATE TABLE scheduler_state (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at_ms bigint NOT NULL
);
