/**
 * Time limits in tests catch hangs; they are not speed targets (those are in `npm run bench`). On a shared machine
 * that is running several times slower than usual, a limit set for a normal day fails work that is only slow, so
 * every limit is multiplied by TEST_TIME_SCALE (default 1). `.ci/run` sets it from a short CPU calibration loop.
 */
export const TIME_SCALE: number = timeScale(process.env.TEST_TIME_SCALE);

export function timeScale(text: string | undefined): number {
  const n = Number(text);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, 50) : 1;
}

/** A time limit of `ms` on a normal day, stretched by TEST_TIME_SCALE. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}
