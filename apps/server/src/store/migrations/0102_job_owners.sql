-- Who started each job. Users see and cancel their own jobs, not other users'; admins see and
-- cancel every job. Jobs the system starts (scheduler, bootstrap, CLI) have no owner: every user
-- may read them, only admins cancel them. A deleted user's jobs are deleted with the user.
ALTER TABLE jobs ADD COLUMN owner_user_id uuid REFERENCES users (id) ON DELETE CASCADE;

CREATE INDEX jobs_by_owner ON jobs (owner_user_id, created_at_ms DESC) WHERE owner_user_id IS NOT NULL;
