-- Structured logs of every Runecast process, written in batches, queried by time, level and
-- component. pino level numbers: 10 trace … 60 fatal.
CREATE TABLE logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time_ms bigint NOT NULL,
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 100),
  component text NOT NULL,
  message text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX logs_by_time ON logs (time_ms);
CREATE INDEX logs_by_component_time ON logs (component, time_ms);
