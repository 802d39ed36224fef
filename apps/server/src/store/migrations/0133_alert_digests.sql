-- Daily digest per channel: a channel with a digest time gets one message a day, at that time of
-- day in its time zone, listing the firings it would have sent one by one (instead of them).
ALTER TABLE alert_channels
  ADD COLUMN digest jsonb CHECK (digest IS NULL OR jsonb_typeof(digest) = 'object');

-- A firing waiting for a channel's next digest; `digest_id` is set when a digest takes it, so
-- each firing is in one digest only.
CREATE TABLE alert_digest_entries (
  event_id uuid NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
  fired_at_ms bigint NOT NULL,
  digest_id uuid,
  PRIMARY KEY (event_id, channel_id)
);
CREATE INDEX alert_digest_entries_waiting ON alert_digest_entries (channel_id, fired_at_ms)
  WHERE digest_id IS NULL;

-- One row per channel and local day (the idempotency key): a restart that composes the same day
-- again finds it taken, so a digest is neither lost nor sent twice. A day without firings is
-- stored as `empty` and sends nothing. Sent, retried and dead-lettered like a delivery.
CREATE TABLE alert_digests (
  id uuid PRIMARY KEY,
  channel_id uuid NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
  owner_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  day text NOT NULL,
  time_zone text NOT NULL,
  from_ms bigint NOT NULL,
  to_ms bigint NOT NULL,
  firing_count integer NOT NULL,
  message text NOT NULL,
  events jsonb NOT NULL CHECK (jsonb_typeof(events) = 'array'),
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at_ms bigint,
  claimed_until_ms bigint,
  last_error text,
  delivered_at_ms bigint,
  created_at_ms bigint NOT NULL,
  UNIQUE (channel_id, day)
);
CREATE INDEX alert_digests_due ON alert_digests (next_attempt_at_ms) WHERE state = 'pending';
CREATE INDEX alert_digests_by_owner ON alert_digests (owner_user_id, created_at_ms DESC);
