-- Leases: which process owns a piece of shared work (for example one tracked market's ingestion)
-- until `expires_at`. The owner renews its leases while it lives; when it dies they expire and
-- another process takes them over. Expiry is judged by the database's clock, so the clocks of the
-- processes need not agree. Members of a group (`member:<group>:<owner>`) are leases too: they say
-- how many processes share the group's work.
CREATE TABLE leases (
  name text PRIMARY KEY,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX leases_by_owner ON leases (owner);
