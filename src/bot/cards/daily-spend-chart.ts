/**
 * A bar chart of spend per day drawn with text, because Adaptive Cards 1.5 has no chart element and Teams
 * renders monospace TextBlocks the same on desktop, web and mobile. Each day is a column of Unicode block
 * elements (▁▂▃▄▅▆▇█, eighths of a cell) stacked over a few rows, so a 31-day month fits on a phone.
 * Blank cells are no-break spaces: ordinary spaces would be collapsed or read as Markdown indentation.
 */

export interface DailySpend {
  /** YYYY-MM-DD (UTC). */
  day: string;
  chargeMicros: number;
}

export interface DailySpendChart {
  /** Top row first; each one TextBlock in a monospace font. */
  rows: string[];
  /** A rule under the bars and the day-of-month numbers under a few of them. */
  axis: string;
  labels: string;
  /** Days drawn, in order. */
  days: string[];
  /** The day with the most spend, undefined when nothing was spent. */
  peak: DailySpend | undefined;
}

const BLANK = '\u00A0';
const EIGHTHS = [BLANK, '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
export const CHART_ROWS = 4;

/** Every day from `from` to `to` inclusive (YYYY-MM-DD, UTC); at most `limit` days, the latest kept. */
export function daysBetween(from: string, to: string, limit = 31): string[] {
  const start = Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
  const end = Date.parse(`${to.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return [];
  const days: string[] = [];
  for (let t = end; t >= start && days.length < limit; t -= 86_400_000) days.unshift(new Date(t).toISOString().slice(0, 10));
  return days;
}

export function dailySpendChart(daily: readonly DailySpend[], from: string, to: string): DailySpendChart {
  const byDay = new Map<string, number>();
  for (const d of daily) byDay.set(d.day.slice(0, 10), (byDay.get(d.day.slice(0, 10)) ?? 0) + d.chargeMicros);
  const days = daysBetween(from, to);
  const values = days.map((d) => Math.max(0, byDay.get(d) ?? 0));
  const max = Math.max(0, ...values);
  let peak: DailySpend | undefined;
  values.forEach((v, i) => {
    if (v > 0 && (!peak || v > peak.chargeMicros)) peak = { day: days[i]!, chargeMicros: v };
  });

  // Wider bars with a gap when there are few days: a week should not look like a barcode.
  const width = days.length <= 8 ? 4 : days.length <= 16 ? 2 : 1;
  const bar = width > 1 ? width - 1 : 1;
  const gap = width - bar;
  const levels = CHART_ROWS * 8;
  const heights = values.map((v) => (v <= 0 || max <= 0 ? 0 : Math.max(1, Math.round((v / max) * levels))));

  const rows: string[] = [];
  for (let r = 0; r < CHART_ROWS; r++) {
    const floor = (CHART_ROWS - 1 - r) * 8;
    rows.push(heights.map((h) => EIGHTHS[Math.min(8, Math.max(0, h - floor))]!.repeat(bar) + BLANK.repeat(gap)).join(''));
  }

  const length = days.length * width;
  const axis = '─'.repeat(Math.max(0, length - gap));
  const labels: string[] = Array.from({ length: length + 2 }, () => BLANK);
  const marks = days.length <= 8 ? days.map((_, i) => i) : [0, Math.floor((days.length - 1) / 2), days.length - 1];
  let freeFrom = 0;
  for (const i of marks) {
    const text = String(Number(days[i]!.slice(8, 10)));
    const at = i * width;
    if (at < freeFrom) continue;
    for (let k = 0; k < text.length; k++) labels[at + k] = text[k]!;
    freeFrom = at + text.length + 1;
  }
  return { rows, axis, labels: labels.join('').replace(/\u00A0+$/, ''), days, peak };
}
