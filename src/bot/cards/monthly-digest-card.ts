import type { CardContext } from './card-context';
import { minutes, money, monthName, percentOf, personLabel, plural } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './monthly-digest-card.json';

interface SpendGroup {
  key: string;
  chargeMicros: number;
  legs: number;
  billedSeconds: number;
}

/** A month's digest as digest/monthly-digest.ts (MonthlyDigests.digest) produces it: the card reads only these. */
export interface MonthlyDigestCardInput {
  /** YYYY-MM. */
  month: string;
  totalMicros: number;
  legs: number;
  byKind: { tollFreeDialInMicros: number; dialOutMicros: number; ppmDialInMicros: number };
  previous: { month: string; totalMicros: number; legs: number };
  changeMicros: number;
  /** key: conferenceId ('' for calls outside a known meeting). */
  topMeetings: readonly (SpendGroup & { title: string | null })[];
  /** key: the organizer's AAD id ('' when unknown). */
  topOrganizers: readonly (SpendGroup & { name: string })[];
  pool: { usedSeconds: number; totalSeconds: number };
  /** The advisor's best saving, when it found one. */
  topSaving: { text: string } | null;
}

interface Row {
  label: string;
  hasDetail: boolean;
  detail: string;
  amount: string;
}

interface DigestModel {
  refreshUserIds: string[];
  month: string;
  title: string;
  total: string;
  totalNote: string;
  change: string;
  changeColor: string;
  sections: { title: string; rows: Row[] }[];
  pool: string;
  poolColor: string;
  poolNote: string;
  hasTopSaving: boolean;
  topSaving: string;
  footer: string;
}

const expand = cardExpander<DigestModel>('monthly digest card', template);

/** How the month compares with the one before: up, down or the same, in money and percent. */
function changeLine(d: MonthlyDigestCardInput, ctx: CardContext): { text: string; color: string } {
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const before = monthName(d.previous.month, ctx.locale);
  if (d.changeMicros === 0) {
    return { text: d.totalMicros === 0 ? `Nothing was charged in ${before} either.` : `The same as in ${before}.`, color: 'Default' };
  }
  const up = d.changeMicros > 0;
  const amount = money(Math.abs(d.changeMicros), fmt);
  if (d.previous.totalMicros === 0) return { text: `Up ${amount} from nothing in ${before}.`, color: 'Warning' };
  const share = new Intl.NumberFormat(ctx.locale, { style: 'percent', maximumFractionDigits: 0 }).format(Math.abs(d.changeMicros) / d.previous.totalMicros);
  return {
    text: `${up ? 'Up' : 'Down'} ${amount} (${up ? '+' : '−'}${share}) from ${before} (${money(d.previous.totalMicros, fmt)}).`,
    color: up ? 'Warning' : 'Good',
  };
}

/**
 * The monthly digest an admin gets on the 1st (and with `digest [YYYY-MM]`): last month's spend, the change from
 * the month before, where it went, the top meetings and organizers, the dial-out pool and, when the advisor found
 * one, the top saving. Refreshes with verb refresh.digest and data { month }: late legs show up when it is opened.
 */
export function buildMonthlyDigestCard(d: MonthlyDigestCardInput, ctx: CardContext): AdaptiveCardJson {
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const loc = ctx.locale;
  const name = monthName(d.month, loc);
  const detail = (g: SpendGroup) => `${plural(g.legs, 'call', 'calls', loc)} · ${minutes(g.billedSeconds / 60, loc)} min`;
  const row = (label: string, g: SpendGroup): Row => ({ label, hasDetail: true, detail: detail(g), amount: money(g.chargeMicros, fmt) });
  const amountRow = (label: string, micros: number): Row => ({ label, hasDetail: false, detail: '', amount: money(micros, fmt) });

  const k = d.byKind;
  const other = d.totalMicros - k.tollFreeDialInMicros - k.dialOutMicros - k.ppmDialInMicros;
  const sections =
    d.legs === 0
      ? []
      : [
          {
            title: 'By call kind',
            rows: [
              amountRow('Dial-out', k.dialOutMicros),
              amountRow('Dial-in (toll-free)', k.tollFreeDialInMicros),
              amountRow('Dial-in (toll, pay-per-minute)', k.ppmDialInMicros),
              ...(other !== 0 ? [amountRow('Other', other)] : []),
            ],
          },
          {
            title: 'Most expensive meetings',
            rows: d.topMeetings.map((m) => row(m.key ? m.title?.trim() || `Meeting ${m.key}` : 'Calls outside a known meeting', m)),
          },
          {
            title: 'Top organizers',
            rows: d.topOrganizers.map((o) => row(o.key ? personLabel({ displayName: o.name, id: o.key }) : 'Unknown organizer', o)),
          },
        ].filter((s) => s.rows.length > 0);

  const change = changeLine(d, ctx);
  const used = d.pool.usedSeconds / 60;
  const total = d.pool.totalSeconds / 60;
  const pool =
    d.pool.totalSeconds > 0
      ? `${minutes(used, loc)} of ${minutes(total, loc)} min used (${percentOf(d.pool.usedSeconds, d.pool.totalSeconds, loc)})`
      : `${minutes(used, loc)} min used`;
  const poolNote =
    d.pool.totalSeconds === 0
      ? 'The tenant has no pool licenses set, so every dial-out was charged to credits or covered otherwise.'
      : d.pool.usedSeconds >= d.pool.totalSeconds
        ? 'The pool ran out: dial-outs after that were charged to credits. Pool size is the licenses counted today.'
        : 'Zone A dial-outs of subscription organizers drew on it. Pool size is the licenses counted today.';

  return expand({
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    month: d.month,
    title: name,
    total: money(d.totalMicros, fmt),
    totalNote: d.legs > 0 ? `${plural(d.legs, 'call', 'calls', loc)} charged in ${name}` : `No dial-in or dial-out calls were charged in ${name}.`,
    change: change.text,
    changeColor: change.color,
    sections,
    pool,
    poolColor: d.pool.totalSeconds > 0 && d.pool.usedSeconds >= d.pool.totalSeconds ? 'Warning' : 'Default',
    poolNote,
    hasTopSaving: d.topSaving !== null,
    topSaving: d.topSaving?.text ?? '',
    footer: "Estimated by Tollgate from the calls it has rated (by start time, UTC); Microsoft's records arrive 24 to 48 hours later, so late calls show up when the card refreshes.",
  });
}
