import { ValidationError } from '@runecast/market';

export function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${name} must be a whole number of at least 1, got ${value}`);
  }
  return value;
}

export function requireNonNegativeNumber(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${name} must be a number of at least 0, got ${value}`);
  }
  return value;
}
