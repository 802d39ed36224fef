/** Adam settings; the defaults are tfjs' (`tf.train.adam`). */
export interface AdamSettings {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam on a flat Float32Array of parameters, with the bias correction written as tfjs writes it, so a
 * step here and a step of `tf.train.adam` move the same weights the same way. Moments are kept in
 * float64 so long runs lose nothing to rounding.
 */
export class AdamOptimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly #firstMoment: Float64Array;
  readonly #secondMoment: Float64Array;
  #beta1Power = 1;
  #beta2Power = 1;

  constructor(size: number, settings: AdamSettings) {
    this.learningRate = settings.learningRate;
    this.beta1 = settings.beta1 ?? 0.9;
    this.beta2 = settings.beta2 ?? 0.999;
    this.epsilon = settings.epsilon ?? 1e-7;
    this.#firstMoment = new Float64Array(size);
    this.#secondMoment = new Float64Array(size);
  }

  /** Moves `parameters` against `gradient` (scaled by `gradientScale`, e.g. for clipping). */
  step(parameters: Float32Array, gradient: Float32Array, gradientScale = 1): void {
    this.#beta1Power *= this.beta1;
    this.#beta2Power *= this.beta2;
    const firstCorrection = 1 - this.#beta1Power;
    const secondCorrection = 1 - this.#beta2Power;
    const first = this.#firstMoment;
    const second = this.#secondMoment;
    for (let index = 0; index < parameters.length; index += 1) {
      const value = gradient[index]! * gradientScale;
      const mean = this.beta1 * first[index]! + (1 - this.beta1) * value;
      const meanSquare = this.beta2 * second[index]! + (1 - this.beta2) * value * value;
      first[index] = mean;
      second[index] = meanSquare;
      parameters[index]! -=
        (this.learningRate * (mean / firstCorrection)) /
        (Math.sqrt(meanSquare / secondCorrection) + this.epsilon);
    }
  }
}

/** Factor that brings the gradient's L2 norm down to `maxNorm` (1 when it is already below). */
export function clippingScale(gradient: Float32Array, maxNorm: number): number {
  let sumOfSquares = 0;
  for (let index = 0; index < gradient.length; index += 1)
    sumOfSquares += gradient[index]! * gradient[index]!;
  const norm = Math.sqrt(sumOfSquares);
  return norm > maxNorm ? maxNorm / norm : 1;
}
