import { SqlForecastRepository } from '../store/forecast.repository.ts';
import { SqlJobRepository } from '../store/job.repository.ts';
import { SqlModelRepository } from '../store/model.repository.ts';
import type { Database } from '../store/store.port.ts';

/** Repositories of the model registry, the job queue and the forecast ledger, over one migrated database. */
export interface ForecastingStore {
  readonly models: SqlModelRepository;
  readonly jobs: SqlJobRepository;
  readonly forecasts: SqlForecastRepository;
}

export function createForecastingStore(db: Database): ForecastingStore {
  return {
    models: new SqlModelRepository(db),
    jobs: new SqlJobRepository(db),
    forecasts: new SqlForecastRepository(db),
  };
}
