import { isLaterOccurrence, occurrenceWindow } from '../../src/bot/meeting-end';

/** Which of a recurring meeting's legs (one conference for the series) are one occurrence's (bot/meeting-end.ts). */
describe("an occurrence's legs", () => {
  const end = Date.parse('2026-11-22T11:00:00Z');

  it('at most 30 hours before the end (the longest meeting), to five minutes after it', () => {
    expect(occurrenceWindow(end, undefined, undefined)).toEqual({ legs_after: '2026-11-21T05:00:00.000Z', legs_until: '2026-11-22T11:05:00.000Z' });
  });

  it('from an hour before the start Tollgate saw; a start after the end (a later occurrence\'s) is not this one\'s', () => {
    expect(occurrenceWindow(end, '2026-11-22T10:00:00.000Z', undefined).legs_after).toBe('2026-11-22T09:00:00.000Z');
    expect(occurrenceWindow(end, '2026-11-22T12:00:00.000Z', undefined).legs_after).toBe('2026-11-21T05:00:00.000Z');
    expect(occurrenceWindow(end, 'not a time', undefined).legs_after).toBe('2026-11-21T05:00:00.000Z');
  });

  it("after the previous occurrence's window, when that ends later than the other bounds", () => {
    // A daily meeting: yesterday's card ended at 11:05 yesterday, within the 30 hours.
    const yesterday = { ended_at: '2026-11-21T11:00:00.000Z', legs_until: '2026-11-21T11:05:00.000Z' };
    expect(occurrenceWindow(end, undefined, yesterday).legs_after).toBe('2026-11-21T11:05:00.000Z');
    // A card from before windows: its end, plus the grace.
    expect(occurrenceWindow(end, undefined, { ended_at: '2026-11-21T11:00:00Z', legs_until: null }).legs_after).toBe('2026-11-21T11:05:00.000Z');
    // The start seen today is later still.
    expect(occurrenceWindow(end, '2026-11-22T10:00:00.000Z', yesterday).legs_after).toBe('2026-11-22T09:00:00.000Z');
  });

  it('an end more than 15 minutes after the card\'s is a later occurrence; the same end again, or an older one, is not', () => {
    const card = { ended_at: '2026-11-15T11:00:00.000Z' };
    expect(isLaterOccurrence(card, Date.parse('2026-11-22T11:00:00Z'))).toBe(true);
    expect(isLaterOccurrence(card, Date.parse('2026-11-15T11:00:00Z'))).toBe(false);
    expect(isLaterOccurrence(card, Date.parse('2026-11-15T11:14:00Z'))).toBe(false);
    expect(isLaterOccurrence(card, Date.parse('2026-11-15T11:16:00Z'))).toBe(true);
    expect(isLaterOccurrence(card, Date.parse('2026-11-08T11:00:00Z'))).toBe(false);
    expect(isLaterOccurrence({ ended_at: null }, end)).toBe(false);
  });
});
