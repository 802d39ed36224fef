-- API keys show their owner where they were last used from, and no key lives for ever: keys made
-- without an expiry get 90 days from now (the default lifetime of new keys).
ALTER TABLE api_keys ADD COLUMN last_used_ip text;

UPDATE api_keys SET expires_at_ms = runecast_now_ms() + 90 * 86400000::bigint
WHERE expires_at_ms IS NULL AND revoked_at_ms IS NULL;
