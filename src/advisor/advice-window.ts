import { failure, ok, type Outcome } from '../outcome';

export const DEFAULT_ADVICE_MONTHS = 3;
export const MAX_ADVICE_MONTHS = 12;

export interface AdviceWindow {
  /** YYYY-MM, oldest first. */
  months: string[];
  /** First moment of the oldest month (ISO-8601 UTC), inclusive. */
  from: string;
  /** First moment of the month `now` is in, exclusive. */
  to: string;
}

/**
 * The last `count` whole calendar months (UTC) before the month `now` is in. Whole months, because the pool and the
 * subscription fee are monthly: a month in progress would count a full fee against part of a month's calls.
 */
export function adviceWindow(now: Date, count: number = DEFAULT_ADVICE_MONTHS): Outcome<AdviceWindow> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_ADVICE_MONTHS) {
    return failure('invalid_months', `The number of months must be a whole number from 1 to ${MAX_ADVICE_MONTHS}, not ${count}.`);
  }
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const months: string[] = [];
  for (let i = count; i >= 1; i--) months.push(new Date(Date.UTC(y, m - i, 1)).toISOString().slice(0, 7));
  return ok({ months, from: new Date(Date.UTC(y, m - count, 1)).toISOString(), to: new Date(Date.UTC(y, m, 1)).toISOString() });
}
