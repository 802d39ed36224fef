-- Each user's workspace (watchlist, defaults, chart settings, time zone, layout), saved on the
-- server so it follows the user across browsers. Deleting the user deletes it.
CREATE TABLE user_preferences (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferences jsonb NOT NULL CHECK (jsonb_typeof(preferences) = 'object'),
  updated_at_ms bigint NOT NULL
);
