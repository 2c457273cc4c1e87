import type { BalanceView } from '../../ledger/ledger';
import type { CardContext } from './card-context';
import { calendarDay, day, minutes, moment, money, monthName, percentOf } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './balance-card.json';

/** Month-to-date spend by what was paid for. Pay-per-minute dial-in is toll dial-in by pay-per-minute organizers. */
export interface SpendSplit {
  tollFreeDialInMicros: number;
  dialOutMicros: number;
  ppmDialInMicros: number;
}

export interface BalanceCardInput {
  balance: BalanceView;
  spend: SpendSplit;
  /** Days the balance lasts at the current burn rate; null when nothing was spent yet this month. */
  daysLeft: number | null;
}

type Color = 'Default' | 'Good' | 'Warning' | 'Attention';

interface BalanceCardModel {
  refreshUserIds: string[];
  balance: string;
  balanceColor: Color;
  hasBalanceNote: boolean;
  balanceNote: string;
  daysLeft: string;
  billingMode: string;
  autoRecharge: string;
  lowBalanceAlert: string;
  lastFunding: string;
  nextExpiry: string;
  spendTitle: string;
  spend: { label: string; amount: string; weight: 'Default' | 'Bolder' }[];
  pool: string;
  poolColor: Color;
  hasPool: boolean;
  poolBar: string;
  poolNote: string;
  asOf: string;
}

const expand = cardExpander<BalanceCardModel>('balance card', template);

const POOL_BAR_CELLS = 20;

function monthAfter(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

/** The Communications Credits balance and what is eating it, refreshed in place by Teams (verb refresh.balance). */
export function buildBalanceCard(input: BalanceCardInput, ctx: CardContext): AdaptiveCardJson {
  const b = input.balance;
  const fmt = { currency: b.currency, locale: ctx.locale };
  const prepaid = b.billingMode === 'prepaid';
  const usedUp = b.balanceMicros <= 0;
  const low = !usedUp && b.lowBalanceAlertMicros !== null && b.balanceMicros < b.lowBalanceAlertMicros;

  const split = input.spend;
  const splitSum = split.tollFreeDialInMicros + split.dialOutMicros + split.ppmDialInMicros;
  const other = b.monthToDate.chargeMicros - splitSum;
  const spend: BalanceCardModel['spend'] = [
    { label: 'Toll-free dial-in', amount: money(split.tollFreeDialInMicros, fmt), weight: 'Default' },
    { label: 'Dial-out', amount: money(split.dialOutMicros, fmt), weight: 'Default' },
    { label: 'Pay-per-minute dial-in', amount: money(split.ppmDialInMicros, fmt), weight: 'Default' },
    ...(other !== 0 ? [{ label: 'Other', amount: money(other, fmt), weight: 'Default' as const }] : []),
    { label: `Total (${b.monthToDate.legs} ${b.monthToDate.legs === 1 ? 'call' : 'calls'})`, amount: money(b.monthToDate.chargeMicros, fmt), weight: 'Bolder' },
  ];

  const { usedMinutes, totalMinutes } = b.pool;
  const hasPool = totalMinutes > 0;
  const share = hasPool ? usedMinutes / totalMinutes : 0;
  const filled = Math.min(POOL_BAR_CELLS, Math.round(share * POOL_BAR_CELLS));

  let daysLeft: string;
  if (usedUp) daysLeft = prepaid ? 'Nothing left to spend.' : 'The prepaid remainder is used up; further calls are billed on your invoice.';
  else if (input.daysLeft === null) daysLeft = 'No spend in the last 28 days, so no estimate of how long the balance lasts.';
  else if (input.daysLeft < 1) daysLeft = "Less than a day left at the last 28 days' rate.";
  else {
    const days = Math.floor(input.daysLeft);
    daysLeft = `About ${days} ${days === 1 ? 'day' : 'days'} left at the last 28 days' rate.`;
    // Spending may outlast the money's life: funds expire 12 months after purchase, used or not.
    const expiry = b.nextExpiry ? Date.parse(b.nextExpiry.at) : NaN;
    if (Number.isFinite(expiry) && expiry < ctx.now.getTime() + days * 86_400_000) {
      daysLeft += ` Unused funds expire first: ${money(b.nextExpiry!.amountMicros, fmt)} on ${day(b.nextExpiry!.at, ctx)}.`;
    }
  }

  let autoRecharge: string;
  if (!prepaid) autoRecharge = 'Not available (post-paid)';
  else if (b.autoRecharge.enabled && b.autoRecharge.triggerMicros !== null && b.autoRecharge.amountMicros !== null) {
    autoRecharge = `On: below ${money(b.autoRecharge.triggerMicros, fmt)}, buy ${money(b.autoRecharge.amountMicros, fmt)}`;
  } else autoRecharge = 'Off';

  return expand({
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    balance: money(b.balanceMicros, fmt),
    balanceColor: usedUp ? 'Attention' : low ? 'Warning' : 'Default',
    hasBalanceNote: usedUp || low,
    balanceNote: usedUp
      ? prepaid
        ? 'Toll-free dial-in, dial-out beyond the pool and pay-per-minute calls are refused until credits are added.'
        : 'Post-paid: calls continue and are billed on your invoice.'
      : low
        ? `Below the low-balance alert of ${money(b.lowBalanceAlertMicros ?? 0, fmt)}.`
        : '',
    daysLeft,
    billingMode: prepaid ? 'Prepaid' : 'Post-paid (Microsoft Customer Agreement)',
    autoRecharge,
    lowBalanceAlert: b.lowBalanceAlertMicros === null ? 'Off' : `Below ${money(b.lowBalanceAlertMicros, fmt)}`,
    lastFunding: b.lastFunding
      ? `${money(b.lastFunding.amountMicros, fmt)} on ${day(b.lastFunding.at, ctx)}${b.lastFunding.kind === 'auto_recharge' ? ' (auto-recharge)' : ''}`
      : 'None yet',
    nextExpiry: b.nextExpiry ? `${money(b.nextExpiry.amountMicros, fmt)} on ${day(b.nextExpiry.at, ctx)}` : 'Nothing due to expire',
    spendTitle: `Spent in ${monthName(b.pool.month, ctx.locale)}`,
    spend,
    pool: hasPool
      ? `${minutes(usedMinutes, ctx.locale)} of ${minutes(totalMinutes, ctx.locale)} min used (${percentOf(usedMinutes, totalMinutes, ctx.locale)})`
      : 'No dial-out pool',
    poolColor: !hasPool ? 'Default' : share >= 1 ? 'Attention' : share >= 0.8 ? 'Warning' : 'Good',
    hasPool,
    poolBar: '█'.repeat(filled) + '░'.repeat(POOL_BAR_CELLS - filled),
    poolNote: hasPool
      ? `60 minutes a month per Audio Conferencing subscription license, for non-premium numbers in Zone A countries. Starts again on ${calendarDay(monthAfter(b.pool.month), ctx.locale)} (UTC); beyond it, dial-out is paid from credits.`
      : 'Tollgate counts no Audio Conferencing subscription licenses for this organization, so every dial-out is paid from credits. An admin can set the count with "tollgate tenant pool-licenses".',
    asOf: `As of ${moment(ctx.now, ctx)}`,
  });
}
