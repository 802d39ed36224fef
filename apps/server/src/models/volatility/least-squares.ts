import { ValidationError } from '@runecast/market';

/**
 * Ordinary least squares by the normal equations, for the handful of regressors the volatility
 * models use: coefficients b minimising Σ (y − X b)². `rows` are the regressor rows (an intercept
 * column is the caller's to add). A tiny ridge keeps a nearly collinear system solvable.
 */
export function leastSquares(rows: readonly Float64Array[], targets: ArrayLike<number>): Float64Array {
  const width = rows[0]?.length ?? 0;
  if (rows.length !== targets.length || rows.length <= width || width === 0) {
    throw new ValidationError(
      `least squares needs more rows than regressors (${rows.length} rows, ${width} regressors)`,
    );
  }
  const gram = Array.from({ length: width }, () => new Float64Array(width + 1));
  for (let row = 0; row < rows.length; row += 1) {
    const values = rows[row]!;
    const target = targets[row]!;
    for (let left = 0; left < width; left += 1) {
      const value = values[left]!;
      for (let right = 0; right < width; right += 1) gram[left]![right]! += value * values[right]!;
      gram[left]![width]! += value * target;
    }
  }
  for (let index = 0; index < width; index += 1) gram[index]![index]! *= 1 + 1e-10;
  // Gauss-Jordan elimination with partial pivoting on the augmented matrix.
  for (let column = 0; column < width; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < width; row += 1) {
      if (Math.abs(gram[row]![column]!) > Math.abs(gram[pivot]![column]!)) pivot = row;
    }
    if (!(Math.abs(gram[pivot]![column]!) > 0))
      throw new ValidationError('least squares: the regressors are collinear');
    [gram[column], gram[pivot]] = [gram[pivot]!, gram[column]!];
    const lead = gram[column]!;
    for (let row = 0; row < width; row += 1) {
      if (row === column) continue;
      const factor = gram[row]![column]! / lead[column]!;
      if (factor === 0) continue;
      for (let entry = column; entry <= width; entry += 1) gram[row]![entry]! -= factor * lead[entry]!;
    }
  }
  return Float64Array.from(gram, (row, index) => row[width]! / row[index]!);
}
