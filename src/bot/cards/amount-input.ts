import { MAX_AMOUNT_UNITS, microsToDecimalString, type Micros } from '../../billing/money';

/**
 * Money in Input.Number fields: in whole currency units (what people type), never below the currency's
 * smallest coin, and at most what parseAmount accepts. Teams checks these before it sends the form.
 */
export function amountBounds(currency: string): { min: number; max: number; step: string } {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const min = Number((1 / 10 ** digits).toFixed(digits));
  return { min, max: MAX_AMOUNT_UNITS, step: microsToDecimalString(Math.round(min * 1_000_000)).replace(/\.?0+$/, '') };
}

/** A stored amount as the number an input shows by default. */
export function microsToInputValue(micros: Micros): number {
  return Number(microsToDecimalString(micros));
}
