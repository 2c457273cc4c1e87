import { retryAfterMs } from '../../src/graph/retry-after';

const NOW = new Date('2026-11-15T12:00:00Z');

describe('Retry-After', () => {
  it('reads delta-seconds', () => {
    expect(retryAfterMs('1', NOW)).toBe(1000);
    expect(retryAfterMs(' 120 ', NOW)).toBe(120_000);
    expect(retryAfterMs('0', NOW)).toBe(0);
  });

  it('reads an HTTP date, relative to now, never negative', () => {
    expect(retryAfterMs('Sun, 15 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(retryAfterMs('Sun, 15 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('is undefined when absent or unreadable (the caller backs off on its own)', () => {
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
    expect(retryAfterMs('', NOW)).toBeUndefined();
    expect(retryAfterMs('soon', NOW)).toBeUndefined();
    expect(retryAfterMs('-5', NOW)).toBeUndefined();
  });
});
