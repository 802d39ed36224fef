-- Accounts: users, their refresh-token sessions, API keys, the audit log, encrypted secrets
-- and account settings. Times are epoch milliseconds in bigint, as everywhere in Runecast.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL,
  display_name text,
  -- argon2id PHC string; the password itself is never stored.
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'user')),
  disabled boolean NOT NULL DEFAULT false,
  failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
  locked_until_ms bigint,
  -- Access tokens issued before this instant are refused (password change, "log out everywhere").
  tokens_valid_after_ms bigint NOT NULL,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  last_login_at_ms bigint,
  CHECK (email = lower(email) AND email <> '')
);

CREATE UNIQUE INDEX users_email_unique ON users (email);

-- One row per refresh token. Tokens of one log-in share a family; a refresh uses up its token
-- and adds the next one to the family, so a used token presented again reveals theft and
-- ends the whole family.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  -- SHA-256 of the token; the token is random, so a plain hash is enough.
  token_hash text NOT NULL UNIQUE,
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  used_at_ms bigint,
  revoked_at_ms bigint
);

CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);

CREATE TABLE api_keys (
  -- The public part of the key (`rck_<id>_<secret>`), used to find the row.
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{12}$'),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  secret_hash text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('read', 'read-write')),
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint,
  last_used_at_ms bigint,
  revoked_at_ms bigint
);

CREATE INDEX api_keys_by_user ON api_keys (user_id);

-- Entries outlive the users they name, so there is no foreign key.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time_ms bigint NOT NULL,
  actor_user_id uuid,
  actor_email text,
  action text NOT NULL,
  target text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
  ip text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_by_action ON audit_log (action, id);

-- Secrets (exchange API keys, bot tokens, webhook URLs) sealed with AES-256-GCM; the key is
-- not in the database.
CREATE TABLE secrets (
  name text PRIMARY KEY,
  sealed text NOT NULL,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL
);

CREATE TABLE account_settings (
  name text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at_ms bigint NOT NULL
);
