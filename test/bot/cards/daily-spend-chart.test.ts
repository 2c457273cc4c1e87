import { CHART_ROWS, dailySpendChart, daysBetween } from '../../../src/bot/cards/daily-spend-chart';

describe('daily spend chart', () => {
  it('one column per day, bars in eighths, the tallest full to the top', () => {
    const chart = dailySpendChart(
      [
        { day: '2025-03-01', chargeMicros: 8_000_000 },
        { day: '2025-03-02', chargeMicros: 1_000_000 },
        { day: '2025-03-04', chargeMicros: 4_000_000 },
      ],
      '2025-03-01',
      '2025-03-31',
    );
    expect(chart.days).toHaveLength(31);
    expect(chart.rows).toHaveLength(CHART_ROWS);
    for (const row of chart.rows) expect([...row]).toHaveLength(31);
    const column = (i: number) => chart.rows.map((r) => [...r][i]).join('');
    expect(column(0)).toBe('████');
    expect(column(1)).toBe('\u00A0\u00A0\u00A0▄'); // 1/8 of the peak = 4 of 32 eighths
    expect(column(2)).toBe('\u00A0'.repeat(4));
    expect(column(3)).toBe('\u00A0\u00A0██');
    expect(chart.peak).toEqual({ day: '2025-03-01', chargeMicros: 8_000_000 });
    expect(chart.axis).toBe('─'.repeat(31));
    expect(chart.labels).toBe(`1${'\u00A0'.repeat(14)}16${'\u00A0'.repeat(13)}31`);
  });

  it('a tiny day still shows, nothing spent shows nothing', () => {
    const chart = dailySpendChart([{ day: '2025-03-01', chargeMicros: 1_000_000_000 }, { day: '2025-03-02', chargeMicros: 1 }], '2025-03-01', '2025-03-02');
    expect(chart.rows[CHART_ROWS - 1]).toContain('▁');
    const empty = dailySpendChart([], '2025-03-01', '2025-03-07');
    expect(empty.peak).toBeUndefined();
    expect(empty.rows.join('')).toMatch(/^\u00A0+$/);
  });

  it('refunds (negative days) draw as empty', () => {
    const chart = dailySpendChart([{ day: '2025-03-01', chargeMicros: -5_000_000 }, { day: '2025-03-02', chargeMicros: 2_000_000 }], '2025-03-01', '2025-03-02');
    expect(chart.peak?.day).toBe('2025-03-02');
  });

  it('days between two dates, at most 31, the latest kept', () => {
    expect(daysBetween('2024-02-27', '2024-03-01')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysBetween('2025-01-01', '2025-03-01')).toHaveLength(31);
    expect(daysBetween('2025-01-01', '2025-03-01').at(-1)).toBe('2025-03-01');
    expect(daysBetween('2025-03-02', '2025-03-01')).toEqual([]);
  });
});
