-- Per channel and per rule kind: `on` (sent), `silent` (the firing is stored and shown in the app,
-- nothing is sent through this channel) or `off` (this channel ignores the kind: nothing sent, no
-- delivery recorded). A kind left out is `on`, so existing channels keep sending everything.
ALTER TABLE alert_channels
  ADD COLUMN event_modes jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(event_modes) = 'object');
