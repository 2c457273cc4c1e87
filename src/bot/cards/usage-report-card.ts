import type { CardContext } from './card-context';
import { calendarDay, calendarRange, destinationLabel, minutes, money, personLabel, plural } from './card-format';
import { dailySpendChart, type DailySpend } from './daily-spend-chart';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './usage-report-card.json';

/** One group of rated legs: a country, an organizer, a meeting. `key` is '' when the legs had none. */
export interface SpendGroup {
  key: string;
  chargeMicros: number;
  legs: number;
  billedSeconds: number;
}

/**
 * A usage report as usage/usage-report.ts (UsageReports.report) produces it: the card reads only these fields,
 * so that report can be passed as it is.
 */
export interface UsageReportCardInput {
  /** from inclusive, to exclusive: ISO timestamps (UTC). */
  range: { label: string; from: string; to: string };
  totalMicros: number;
  legs: number;
  byKind: { tollFreeDialInMicros: number; dialOutMicros: number; ppmDialInMicros: number };
  /** key: ISO alpha-2 of the rated number. Sorted by charge, highest first. */
  byCountry: readonly SpendGroup[];
  /** key: the organizer's AAD id; name: display name, UPN or id. */
  topOrganizers: readonly (SpendGroup & { name: string })[];
  /** key: conferenceId. */
  topMeetings: readonly SpendGroup[];
  daily: readonly DailySpend[];
}

export interface UsageReportNames {
  /** Meeting titles by conferenceId, where Tollgate learned them. */
  meetingTitles?: ReadonlyMap<string, string>;
  /**
   * A signed, short-lived address of the period's legs as CSV (reports/legs-download.ts), for readers who may have
   * every leg of the tenant (admins): the card shows "Download CSV". Absent, no button.
   */
  download?: { url: string; minutes: number };
}

export const TOP_COUNTRIES = 10;
export const TOP_ORGANIZERS = 5;
export const TOP_MEETINGS = 5;

interface Row {
  label: string;
  hasDetail: boolean;
  detail: string;
  amount: string;
}

interface Section {
  title: string;
  rows: Row[];
  hasMore: boolean;
  more: string;
}

interface UsageReportModel {
  refreshUserIds: string[];
  refreshData: { from: string; to: string; label: string };
  title: string;
  dates: string;
  total: string;
  totalNote: string;
  hasCalls: boolean;
  sections: Section[];
  hasChart: boolean;
  chartRows: { line: string }[];
  chartAxis: string;
  chartLabels: string;
  chartCaption: string;
  hasMeetings: boolean;
  meetings: (Row & { conferenceId: string; hasDetails: boolean })[];
  hasDownload: boolean;
  downloadUrl: string;
  downloadNote: string;
  footer: string;
}

const expand = cardExpander<UsageReportModel>('usage report card', template);

/** The UTC days a range covers, up to today: a month "to date" has no future days to chart. */
function shownDays(range: UsageReportCardInput['range'], now: Date): { first: string; last: string } {
  const from = Date.parse(range.from);
  const end = Math.min(Date.parse(range.to) - 1, now.getTime());
  const first = new Date(Number.isNaN(from) ? now.getTime() : from).toISOString().slice(0, 10);
  const last = new Date(Number.isNaN(end) || end < from ? from : end).toISOString().slice(0, 10);
  return { first, last: last < first ? first : last };
}

/**
 * Spend over a period: by call kind, destination country, organizer and meeting, and a chart per day.
 * Refreshes with verb refresh.usage and data { from, to, label }: the same period again, never "this month"
 * re-read on a later date.
 */
export function buildUsageReportCard(report: UsageReportCardInput, ctx: CardContext, names: UsageReportNames = {}): AdaptiveCardJson {
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const loc = ctx.locale;
  const detail = (g: SpendGroup) => `${plural(g.legs, 'call', 'calls', loc)} · ${minutes(g.billedSeconds / 60, loc)} min`;
  const row = (label: string, g: SpendGroup): Row => ({ label, hasDetail: true, detail: detail(g), amount: money(g.chargeMicros, fmt) });
  const amountRow = (label: string, micros: number): Row => ({ label, hasDetail: false, detail: '', amount: money(micros, fmt) });

  const more = (items: readonly SpendGroup[], shown: number, what: string): Pick<Section, 'hasMore' | 'more'> => {
    const hidden = items.slice(shown);
    if (hidden.length === 0) return { hasMore: false, more: '' };
    const sum = hidden.reduce((s, g) => s + g.chargeMicros, 0);
    return { hasMore: true, more: `and ${plural(hidden.length, `more ${what}`, `more ${what === 'country' ? 'countries' : `${what}s`}`, loc)}: ${money(sum, fmt)}` };
  };

  const k = report.byKind;
  const other = report.totalMicros - k.tollFreeDialInMicros - k.dialOutMicros - k.ppmDialInMicros;
  const sections: Section[] = [
    {
      title: 'By call kind',
      rows: [
        amountRow('Dial-out', k.dialOutMicros),
        amountRow('Dial-in (toll-free)', k.tollFreeDialInMicros),
        amountRow('Dial-in (toll, pay-per-minute)', k.ppmDialInMicros),
        ...(other !== 0 ? [amountRow('Other', other)] : []),
      ],
      hasMore: false,
      more: '',
    },
    {
      title: 'By destination country',
      rows: report.byCountry.slice(0, TOP_COUNTRIES).map((c) => row(destinationLabel(c.key, loc), c)),
      ...more(report.byCountry, TOP_COUNTRIES, 'country'),
    },
    {
      title: 'Top organizers',
      rows: report.topOrganizers.slice(0, TOP_ORGANIZERS).map((o) => row(o.key ? personLabel({ displayName: o.name, id: o.key }) : 'Unknown organizer', o)),
      ...more(report.topOrganizers, TOP_ORGANIZERS, 'organizer'),
    },
  ];

  const { first, last } = shownDays(report.range, ctx.now);
  const chart = dailySpendChart(report.daily, first, last);
  const chartCaption = chart.peak
    ? `One column per day (UTC), ${calendarRange(chart.days[0]!, chart.days[chart.days.length - 1]!, loc)}. Busiest day: ${calendarDay(chart.peak.day, loc, true)}, ${money(chart.peak.chargeMicros, fmt)}.`
    : 'Nothing was charged on any day of this period.';

  const meetings = report.topMeetings.slice(0, TOP_MEETINGS).map((m) => ({
    label: m.key ? names.meetingTitles?.get(m.key)?.trim() || `Meeting ${m.key}` : 'Calls outside a known meeting',
    hasDetail: true,
    detail: detail(m),
    amount: money(m.chargeMicros, fmt),
    conferenceId: m.key,
    hasDetails: m.key !== '',
  }));

  return expand({
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    refreshData: { from: report.range.from, to: report.range.to, label: report.range.label },
    title: `Usage: ${report.range.label}`,
    dates: `${calendarRange(first, last, loc)} (UTC)`,
    total: money(report.totalMicros, fmt),
    totalNote:
      report.legs > 0
        ? `${plural(report.legs, 'call', 'calls', loc)} charged in this period`
        : 'No dial-in or dial-out calls in this period.',
    hasCalls: report.legs > 0,
    sections: sections.filter((s) => s.rows.length > 0),
    hasChart: chart.peak !== undefined,
    chartRows: chart.rows.map((line) => ({ line })),
    chartAxis: chart.axis,
    chartLabels: chart.labels,
    chartCaption,
    hasMeetings: meetings.length > 0,
    meetings,
    hasDownload: names.download !== undefined,
    downloadUrl: names.download?.url ?? '',
    downloadNote: names.download
      ? `Download CSV: every call of ${calendarRange(first, last, loc)} (UTC) in the admin center's columns. The link works for ${plural(names.download.minutes, 'minute', 'minutes', loc)}; Refresh for a new one.`
      : '',
    footer: "Estimated by Tollgate from the calls it has rated; Microsoft's own billing data arrives 24 to 48 hours later.",
  });
}

