import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { BaseForecaster, type ForecasterSettings } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import type { ForecastContext, Forecaster } from './forecaster.port.ts';
import { targetLogReturn, type TrainingWindow } from './training-window.ts';

/** How the ensemble builds its members; the registry supplies it, so this file does not import the registry. */
export interface EnsembleMemberFactory {
  isKnownModelType(modelType: string): boolean;
  /** Why these parameters are invalid for the model type, or null when they are valid. */
  paramsProblem(modelType: string, params: Record<string, unknown>): string | null;
  create(modelType: string, settings: ForecasterSettings, params: Record<string, unknown>): Forecaster;
  restore(bytes: Uint8Array): Promise<Forecaster>;
}

const DEFAULT_MEMBERS = ['naive', 'drift', 'ses', 'theta', 'arima'];

function ensembleParamsSchema(factory: EnsembleMemberFactory) {
  return z
    .object({
      /** Candidate models; the best `top` of them on the validation window are averaged. */
      members: z
        .array(z.string().min(1))
        .min(2)
        .max(8)
        .default(DEFAULT_MEMBERS)
        .superRefine((members, context) => {
          if (new Set(members).size !== members.length) {
            context.addIssue({ code: 'custom', message: 'each member may appear once' });
          }
          for (const member of members) {
            if (member === 'ensemble' || !factory.isKnownModelType(member)) {
              context.addIssue({
                code: 'custom',
                message: `"${member}" is not a model that can be a member`,
              });
            }
          }
        }),
      /** Parameters per member model type (each member's defaults when absent). */
      memberParams: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
      /** How many of the best members are averaged. */
      top: z.number().int().min(1).max(8).default(3),
      /** Share of the training window's origins the members are ranked on. */
      validationFraction: z.number().gt(0).max(0.5).default(0.2),
      /** Training origins; the members are ranked on the last `validationFraction` of them. */
      trainingWindowSteps: z.number().int().min(50).max(20_000).default(720),
    })
    .strict()
    .superRefine((params, context) => {
      if (params.top > params.members.length) {
        context.addIssue({
          code: 'custom',
          path: ['top'],
          message: `top ${params.top} exceeds the ${params.members.length} members`,
        });
      }
      for (const [key, memberParams] of Object.entries(params.memberParams)) {
        const problem = params.members.includes(key) ? factory.paramsProblem(key, memberParams) : null;
        if (problem !== null) {
          context.addIssue({ code: 'custom', path: ['memberParams', key], message: problem });
        }
        if (!params.members.includes(key)) {
          context.addIssue({
            code: 'custom',
            path: ['memberParams', key],
            message: `${key} is not a member`,
          });
        }
      }
    });
}
export type EnsembleParams = z.infer<ReturnType<typeof ensembleParamsSchema>>;

export interface EnsembleMemberScore {
  modelType: string;
  /** Mean squared error of the forecast log return on the validation window. */
  validationMse: number;
  chosen: boolean;
}

const ensembleStateSchema = z
  .object({
    ranking: z.array(
      z.object({ modelType: z.string(), validationMse: z.number(), chosen: z.boolean() }).strict(),
    ),
    validationOrigins: z.number().int().nonnegative(),
    members: z.array(z.string().min(1)).min(1),
  })
  .strict();

/**
 * The mean forecast log return of the members that forecast best on a validation window: every
 * member is fitted on the candles before the window (targets known by its start), ranked by mean
 * squared error over the window, and the best `top` are refitted on everything and averaged. A
 * combination, not a claim of skill: it is tested against naive like every other model.
 */
export class EnsembleForecaster extends BaseForecaster<EnsembleParams> {
  #members: Forecaster[] = [];
  #ranking: EnsembleMemberScore[] = [];
  #validationOrigins = 0;

  constructor(
    settings: ForecasterSettings,
    params: EnsembleParams,
    private readonly factory: EnsembleMemberFactory,
  ) {
    super('ensemble', settings, params);
  }

  /** The members' validation errors, best first, from the last fit. */
  get ranking(): readonly EnsembleMemberScore[] {
    return this.#ranking;
  }

  protected defaultTrainingWindowSteps(): number {
    return this.params.trainingWindowSteps;
  }

  #createMember(modelType: string): Forecaster {
    return this.factory.create(
      modelType,
      { timeframe: this.timeframe, horizonMinutes: this.horizonMinutes },
      this.params.memberParams[modelType] ?? {},
    );
  }

  protected async fitModel(window: TrainingWindow): Promise<string[]> {
    const origins = window.lastOrigin - window.firstOrigin + 1;
    const validationCount = Math.floor(origins * this.params.validationFraction);
    const firstValidation = window.lastOrigin - validationCount + 1;
    if (validationCount < 10 || firstValidation - this.horizonSteps < window.firstOrigin) {
      throw new ValidationError(
        `ensemble: ${origins} training origins leave too few for validation at a horizon of ${this.horizonSteps} candles`,
      );
    }
    this.releaseModel();
    const squaredErrors = new Map<string, number>();
    let counted = 0;
    const candidates: Forecaster[] = [];
    try {
      for (const modelType of this.params.members) {
        const member = this.#createMember(modelType);
        candidates.push(member);
        // Trained on targets known by the first validation origin only.
        await member.fit({ matrix: window.matrix, endIndex: firstValidation }, { calibrationFraction: 0.2 });
      }
      for (let origin = firstValidation; origin <= window.lastOrigin; origin += 1) {
        const actual = targetLogReturn(window.matrix, origin, this.horizonSteps);
        const context = { matrix: window.matrix, originIndex: origin };
        if (Number.isNaN(actual) || !candidates.every((member) => member.canPredict(context))) continue;
        counted += 1;
        for (const member of candidates) {
          const error = member.predictLogReturn(context) - actual;
          squaredErrors.set(member.modelType, (squaredErrors.get(member.modelType) ?? 0) + error * error);
        }
      }
    } finally {
      for (const member of candidates) member.dispose();
    }
    if (counted < 10) {
      throw new ValidationError(`ensemble: only ${counted} validation origins every member could forecast`);
    }
    const ranked = this.params.members
      .map((modelType) => ({ modelType, validationMse: squaredErrors.get(modelType)! / counted }))
      .sort((left, right) => left.validationMse - right.validationMse);
    const chosen = new Set(ranked.slice(0, this.params.top).map((entry) => entry.modelType));
    const members: Forecaster[] = [];
    try {
      for (const modelType of this.params.members.filter((type) => chosen.has(type))) {
        const member = this.#createMember(modelType);
        members.push(member);
        await member.fit({ matrix: window.matrix, endIndex: window.endIndex }, { calibrationFraction: 0.2 });
      }
    } catch (error) {
      for (const member of members) member.dispose();
      throw error;
    }
    this.#members = members;
    this.#ranking = ranked.map((entry) => ({ ...entry, chosen: chosen.has(entry.modelType) }));
    this.#validationOrigins = counted;
    return [...new Set(members.flatMap((member) => member.featureNames))];
  }

  protected predictionProblem(context: ForecastContext): string | null {
    const blocked = this.#members.find((member) => !member.canPredict(context));
    return blocked ? `member ${blocked.modelType} cannot forecast here` : null;
  }

  protected predictModel(context: ForecastContext): number {
    let sum = 0;
    for (const member of this.#members) sum += member.predictLogReturn(context);
    return sum / this.#members.length;
  }

  protected serializeState(): unknown {
    return {
      ranking: this.#ranking,
      validationOrigins: this.#validationOrigins,
      members: this.#members.map((member) => Buffer.from(member.serialize()).toString('base64')),
    };
  }

  protected async restoreState(state: unknown): Promise<void> {
    const parsed = ensembleStateSchema.parse(state);
    const members: Forecaster[] = [];
    try {
      for (const encoded of parsed.members) {
        members.push(await this.factory.restore(Buffer.from(encoded, 'base64')));
      }
    } catch (error) {
      for (const member of members) member.dispose();
      throw error;
    }
    this.releaseModel();
    this.#members = members;
    this.#ranking = parsed.ranking;
    this.#validationOrigins = parsed.validationOrigins;
  }

  protected override releaseModel(): void {
    for (const member of this.#members) member.dispose();
    this.#members = [];
  }
}

export function createEnsembleDefinition(
  factory: EnsembleMemberFactory,
): ForecasterDefinition<EnsembleParams> {
  return {
    modelType: 'ensemble',
    description:
      'Mean of the best few models (naive, drift, ses, theta, arima by default) on a validation window',
    usesFeatures: false,
    paramsSchema: ensembleParamsSchema(factory),
    parameterSpace: { top: { kind: 'integer', min: 1, max: 2 } },
    create: (settings, params) => new EnsembleForecaster(settings, params, factory),
  };
}
