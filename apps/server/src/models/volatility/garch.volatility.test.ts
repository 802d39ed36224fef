import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fitGarch, garchHorizonVariance, garchLogLikelihood } from './garch.volatility.ts';

/**
 * A GARCH(1,1) path (ω 0.05, α 0.1, β 0.85) from a 32-bit LCG (a 1664525, c 1013904223, seed
 * 12345) through Box–Muller, so the same path can be rebuilt outside this code base to derive the
 * reference values below.
 */
function simulatedReturns(count = 2000): Float64Array {
  let state = 12345;
  const uniform = (): number => {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  const [omega, alpha, beta] = [0.05, 0.1, 0.85];
  let variance = omega / (1 - alpha - beta);
  const returns = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    returns[index] = Math.sqrt(variance) * z;
    variance = omega + alpha * returns[index]! ** 2 + beta * variance;
  }
  return returns;
}

describe('GARCH(1,1)', () => {
  const returns = simulatedReturns();

  test('the simulated path is the one the references were derived on', () => {
    assert.ok(Math.abs(returns[0]! - 2.77494684) < 1e-8);
    assert.ok(Math.abs(returns[1]! + 0.94487276) < 1e-8);
  });

  test('log-likelihood with the mean-square backcast', () => {
    // The same recursion written out independently in Python (float64) on the same path.
    assert.ok(
      Math.abs(garchLogLikelihood(returns, { omega: 0.05, alpha: 0.1, beta: 0.85 }) + 2775.9151602351494) <
        1e-6,
    );
    assert.ok(
      Math.abs(garchLogLikelihood(returns, { omega: 0.1, alpha: 0.05, beta: 0.9 }) + 2896.2461158441465) <
        1e-6,
    );
  });

  test('maximum likelihood matches the arch package on the same path and backcast', () => {
    // Python arch 8.0.0: arch_model(r, mean='Zero', vol='GARCH', p=1, q=1, dist='normal',
    // rescale=False).fit(backcast=mean(r²), options={'ftol': 1e-14}) gives ω 0.07167876,
    // α 0.14336079, β 0.78811591 and log-likelihood −2773.5556421788674.
    const fitted = fitGarch(returns);
    assert.ok(Math.abs(fitted.omega - 0.07167876) < 2e-5, `omega ${fitted.omega}`);
    assert.ok(Math.abs(fitted.alpha - 0.14336079) < 2e-5, `alpha ${fitted.alpha}`);
    assert.ok(Math.abs(fitted.beta - 0.78811591) < 2e-5, `beta ${fitted.beta}`);
    assert.ok(fitted.logLikelihood >= -2773.5556421788674 - 1e-6, `log-likelihood ${fitted.logLikelihood}`);
  });

  test('the fit does not depend on the unit of the returns (ω scales with its square)', () => {
    const fitted = fitGarch(returns);
    const scaled = fitGarch(returns.map((value) => value * 0.001));
    assert.ok(Math.abs(scaled.alpha - fitted.alpha) < 1e-5);
    assert.ok(Math.abs(scaled.beta - fitted.beta) < 1e-5);
    assert.ok(Math.abs(scaled.omega / 1e-6 - fitted.omega) < 1e-5 * fitted.omega + 1e-9);
  });

  test('horizon variance: h steps reverting to the long-run variance', () => {
    // ω 0.1, α 0.1, β 0.8: V = 0.1 / 0.1 = 1. From σ² = 3: 3 + (1 + 0.9·2) + (1 + 0.81·2) = 8.42.
    assert.ok(Math.abs(garchHorizonVariance({ omega: 0.1, alpha: 0.1, beta: 0.8 }, 3, 3) - 8.42) < 1e-12);
  });
});
