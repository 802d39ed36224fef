/**
 * Nelder–Mead minimisation (the standard reflection 1, expansion 2, contraction ½, shrink ½), for the
 * few unconstrained parameters of a volatility likelihood. Stops when the simplex's values differ
 * by less than `tolerance` or after `maxIterations`.
 */
export function nelderMead(
  objective: (point: Float64Array) => number,
  start: ArrayLike<number>,
  options: { step?: number; tolerance?: number; maxIterations?: number } = {},
): { point: Float64Array; value: number; iterations: number } {
  const dimension = start.length;
  const step = options.step ?? 0.5;
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 2000;
  const evaluate = (point: Float64Array): number => {
    const value = objective(point);
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };
  const simplex: { point: Float64Array; value: number }[] = [];
  for (let vertex = 0; vertex <= dimension; vertex += 1) {
    const point = Float64Array.from(start);
    if (vertex > 0) point[vertex - 1]! += step;
    simplex.push({ point, value: evaluate(point) });
  }
  const combine = (from: Float64Array, to: Float64Array, factor: number): Float64Array =>
    from.map((value, index) => value + factor * (to[index]! - value));
  let iterations = 0;
  for (; iterations < maxIterations; iterations += 1) {
    simplex.sort((left, right) => left.value - right.value);
    const best = simplex[0]!;
    const worst = simplex[dimension]!;
    if (Math.abs(worst.value - best.value) <= tolerance * (Math.abs(best.value) + tolerance)) break;
    const centroid = new Float64Array(dimension);
    for (let vertex = 0; vertex < dimension; vertex += 1) {
      for (let index = 0; index < dimension; index += 1)
        centroid[index]! += simplex[vertex]!.point[index]! / dimension;
    }
    const reflected = combine(centroid, worst.point, -1);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < best.value) {
      const expanded = combine(centroid, worst.point, -2);
      const expandedValue = evaluate(expanded);
      simplex[dimension] =
        expandedValue < reflectedValue
          ? { point: expanded, value: expandedValue }
          : { point: reflected, value: reflectedValue };
      continue;
    }
    if (reflectedValue < simplex[dimension - 1]!.value) {
      simplex[dimension] = { point: reflected, value: reflectedValue };
      continue;
    }
    const outside = reflectedValue < worst.value;
    const contracted = combine(centroid, outside ? reflected : worst.point, 0.5);
    const contractedValue = evaluate(contracted);
    if (contractedValue < Math.min(reflectedValue, worst.value)) {
      simplex[dimension] = { point: contracted, value: contractedValue };
      continue;
    }
    for (let vertex = 1; vertex <= dimension; vertex += 1) {
      const point = combine(best.point, simplex[vertex]!.point, 0.5);
      simplex[vertex] = { point, value: evaluate(point) };
    }
  }
  simplex.sort((left, right) => left.value - right.value);
  return { point: simplex[0]!.point, value: simplex[0]!.value, iterations };
}
