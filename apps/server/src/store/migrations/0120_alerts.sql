-- Alerts: where notifications go (channels), what fires them (rules, with the state that makes
-- cooldown and re-arming survive a restart), every firing (events, unique per rule and
-- triggering event, so a redelivered message never fires twice) and each notification's
-- delivery to each channel (retried, then dead-lettered). A deleted user's objects go with them.
CREATE TABLE alert_channels (
  id uuid PRIMARY KEY,
  owner_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL,
  name text NOT NULL,
  -- The address with tokens masked, for display; the full address is a sealed secret.
  target text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE INDEX alert_channels_by_owner ON alert_channels (owner_user_id, created_at_ms);

CREATE TABLE alert_rules (
  id uuid PRIMARY KEY,
  owner_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  series text,
  condition jsonb NOT NULL CHECK (jsonb_typeof(condition) = 'object'),
  severity text NOT NULL,
  cooldown_minutes integer NOT NULL,
  channel_ids jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(channel_ids) = 'array'),
  template text,
  quiet_hours jsonb,
  enabled boolean NOT NULL DEFAULT true,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL
);
CREATE INDEX alert_rules_by_owner ON alert_rules (owner_user_id, created_at_ms);

-- Per rule and series: armed (null until the first observation of a crossing rule) and the
-- last firing, for hysteresis and cooldown.
CREATE TABLE alert_rule_states (
  rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  series text NOT NULL,
  armed boolean,
  last_fired_at_ms bigint,
  PRIMARY KEY (rule_id, series)
);

CREATE TABLE alert_events (
  id uuid PRIMARY KEY,
  rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
  owner_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL UNIQUE,
  rule_name text NOT NULL,
  series text NOT NULL,
  severity text NOT NULL,
  fired_at_ms bigint NOT NULL,
  message text NOT NULL,
  "values" jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open',
  snoozed_until_ms bigint,
  silent boolean NOT NULL
);
CREATE INDEX alert_events_by_owner ON alert_events (owner_user_id, fired_at_ms DESC);

CREATE TABLE alert_deliveries (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
  owner_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at_ms bigint,
  -- A sender holds a delivery until then; another process takes it over afterwards.
  claimed_until_ms bigint,
  last_error text,
  delivered_at_ms bigint,
  created_at_ms bigint NOT NULL,
  UNIQUE (event_id, channel_id)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at_ms) WHERE state = 'pending';
CREATE INDEX alert_deliveries_by_owner ON alert_deliveries (owner_user_id, created_at_ms DESC);
