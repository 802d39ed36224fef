-- Adaptive conformal inference (Gibbs & Candès 2021): per model version (so per series and
-- horizon) and nominal band level, the miscoverage rate α_t the next band is issued at. It starts
-- at the nominal α (0.2 for the 80% band, 0.05 for the 95% band) and moves with each scored
-- forecast: α ← α + γ (nominal α − miss). `outcomes` and `misses` count the scored forecasts that
-- moved it, so live coverage is 1 − misses / outcomes.
CREATE TABLE adaptive_conformal_levels (
  model_version_id bigint NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
  nominal_level smallint NOT NULL CHECK (nominal_level IN (80, 95)),
  alpha double precision NOT NULL CHECK (alpha > 0 AND alpha < 1),
  gamma double precision NOT NULL CHECK (gamma > 0 AND gamma < 1),
  outcomes integer NOT NULL CHECK (outcomes >= 0),
  misses integer NOT NULL CHECK (misses >= 0 AND misses <= outcomes),
  updated_at_ms bigint NOT NULL,
  PRIMARY KEY (model_version_id, nominal_level)
);
