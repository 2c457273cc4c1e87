import { scaled, timeScale } from '../support/time-scale';

describe('TEST_TIME_SCALE (time limits stretched on a slow machine)', () => {
  it('reads a factor of at least 1, at most 50, and falls back to 1 for anything else', () => {
    expect(timeScale(undefined)).toBe(1);
    expect(timeScale('')).toBe(1);
    expect(timeScale('abc')).toBe(1);
    expect(timeScale('0.5')).toBe(1);
    expect(timeScale('-3')).toBe(1);
    expect(timeScale('3')).toBe(3);
    expect(timeScale('2.5')).toBe(2.5);
    expect(timeScale('400')).toBe(50);
  });

  it('stretches a limit by the factor this run was given', () => {
    expect(scaled(20_000)).toBe(Math.round(20_000 * timeScale(process.env.TEST_TIME_SCALE)));
  });
});
