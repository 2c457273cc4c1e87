/** getPstnCalls answers at most 90 days per query (UTC, inclusive, filtered on the call's start time). */
export const MAX_WINDOW_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SyncWindow {
  from: Date;
  to: Date;
}

/**
 * Splits [from, to] into consecutive windows of at most `maxDays`, each starting where the previous one ends.
 * Both ends are inclusive in Graph, so a call starting exactly on a boundary comes twice: the second is a duplicate.
 */
export function syncWindows(from: Date, to: Date, maxDays = MAX_WINDOW_DAYS): SyncWindow[] {
  const windows: SyncWindow[] = [];
  const span = maxDays * DAY_MS;
  for (let start = from.getTime(); start < to.getTime(); start += span) {
    windows.push({ from: new Date(start), to: new Date(Math.min(start + span, to.getTime())) });
  }
  return windows;
}

/** Graph's DateTimeOffset literal, UTC, whole seconds when the instant has no milliseconds. */
export function graphDateTime(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}
