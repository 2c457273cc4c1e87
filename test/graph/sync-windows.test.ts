import { graphDateTime, MAX_WINDOW_DAYS, syncWindows } from '../../src/graph/sync-windows';

const d = (s: string) => new Date(s);
const show = (ws: { from: Date; to: Date }[]) => ws.map((w) => [graphDateTime(w.from), graphDateTime(w.to)]);

describe('sync windows (getPstnCalls: at most 90 days per query)', () => {
  it('keeps a range of 90 days or less whole', () => {
    expect(show(syncWindows(d('2026-01-01T00:00:00Z'), d('2026-01-08T00:00:00Z')))).toEqual([['2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z']]);
    expect(show(syncWindows(d('2026-01-01T00:00:00Z'), d('2026-04-01T00:00:00Z')))).toEqual([['2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z']]);
  });

  it('splits 100 days into 90 + 10, each window starting where the previous ends', () => {
    expect(show(syncWindows(d('2026-01-01T00:00:00Z'), d('2026-04-11T00:00:00Z')))).toEqual([
      ['2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'],
      ['2026-04-01T00:00:00Z', '2026-04-11T00:00:00Z'],
    ]);
  });

  it('covers any range without gaps, no window longer than 90 days', () => {
    const from = d('2025-03-07T13:14:15.123Z');
    const to = d('2026-11-15T12:00:00Z');
    const ws = syncWindows(from, to);
    expect(ws[0]!.from).toEqual(from);
    expect(ws[ws.length - 1]!.to).toEqual(to);
    ws.forEach((w, i) => {
      expect(w.to.getTime() - w.from.getTime()).toBeLessThanOrEqual(MAX_WINDOW_DAYS * 86_400_000);
      if (i > 0) expect(w.from).toEqual(ws[i - 1]!.to);
    });
    expect(graphDateTime(from)).toBe('2025-03-07T13:14:15.123Z');
  });

  it('has nothing to read in an empty or reversed range', () => {
    expect(syncWindows(d('2026-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(syncWindows(d('2026-02-01T00:00:00Z'), d('2026-01-01T00:00:00Z'))).toEqual([]);
  });
});
