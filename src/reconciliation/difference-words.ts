import { formatMoney, microsToDecimalString, type Micros } from '../billing/money';
import type { DifferenceCause, LegCharges, LegComparison } from './leg-difference';

/** How the CLI and the bot name a difference's cause, what to do about it, and what exactly differs on a leg. */

export const CAUSE_WORDS: Readonly<Record<DifferenceCause, string>> = {
  match: 'Agrees with Microsoft',
  rate_card: 'Rate card differs',
  pool_or_license: 'License or pool state differs',
  rounding: 'Rounding',
  currency: 'Currency differs',
};

export const CAUSE_ADVICE: Readonly<Record<Exclude<DifferenceCause, 'match'>, string>> = {
  rate_card: "Compare Tollgate's rate card with Microsoft's current Communications Credits rates and load the new rates (tollgate rates load).",
  pool_or_license:
    "Check the organizers' Audio Conferencing licenses, and the tenant's pool licenses, in Tollgate against the Microsoft 365 admin center.",
  rounding: 'Microsoft and Tollgate rounded the call to different minutes. Usually harmless; if it keeps happening, check the billing increment in the rate card.',
  currency: "Microsoft billed in another currency than the tenant's Communications Credits: check the currency the tenant was set up with.",
};

export interface MoneyFormat {
  currency: string;
  locale?: string;
}

/** Money in the tenant's currency. */
function money(micros: Micros, fmt: MoneyFormat): string {
  return formatMoney(micros, fmt.currency, fmt.locale);
}

/** A per-minute rate: never rounded to the currency's minor unit ($0.065/min is not $0.07/min). */
export function perMinute(micros: Micros, fmt: MoneyFormat): string {
  const formatter = new Intl.NumberFormat(fmt.locale ?? 'en-US', { style: 'currency', currency: fmt.currency, maximumFractionDigits: 6 });
  // Exact decimal text, as formatMoney does: Intl.NumberFormat v3 formats numeric strings without a float.
  const formatExact = formatter.format as unknown as (value: string) => string;
  return `${formatExact.call(formatter, microsToDecimalString(micros))}/min`;
}

/** An amount in a currency Microsoft named, which may not be one Intl knows. */
function foreignMoney(micros: Micros, currency: string, locale: string | undefined): string {
  try {
    return formatMoney(micros, currency, locale);
  } catch {
    return `${microsToDecimalString(micros)} ${currency}`;
  }
}

function mins(seconds: number, locale: string | undefined): string {
  return `${new Intl.NumberFormat(locale ?? 'en-US', { maximumFractionDigits: 1 }).format(seconds / 60)} min`;
}

/** One sentence: what exactly differs on this leg, with both sides' figures. */
export function differenceDetail(leg: LegCharges, c: LegComparison, fmt: MoneyFormat): string {
  const loc = fmt.locale;
  const m = money(c.microsoftMicros, fmt);
  const t = money(c.tollgateMicros, fmt);
  const license = leg.microsoft.licenseCapability ? ` (billed under ${leg.microsoft.licenseCapability})` : '';
  switch (c.reason) {
    case 'agrees':
      return `Microsoft charged ${m}, Tollgate ${t}.`;
    case 'currency_differs':
      return `Microsoft charged ${foreignMoney(c.microsoftMicros, leg.microsoft.currency ?? '?', loc)}; the credits are in ${fmt.currency} (Tollgate charged ${t}).`;
    case 'tollgate_subscription':
      return `Tollgate counted it as included in the organizer's Audio Conferencing subscription; Microsoft charged ${m}${license}.`;
    case 'tollgate_pool':
      return `Tollgate took it from the dial-out minute pool; Microsoft charged ${m}${license}.`;
    case 'tollgate_addon':
      return `Tollgate counted it under the organizer's US/Canada dial-out add-on; Microsoft charged ${m}${license}.`;
    case 'microsoft_charged_nothing':
      return `Microsoft charged nothing${license}; Tollgate charged ${t} to credits.`;
    case 'pool_minutes_differ': {
      const pool = leg.poolSeconds > 0 ? ` and took ${mins(leg.poolSeconds, loc)} from the pool` : '';
      return `Microsoft charged ${mins((c.microsoftMinutes ?? 0) * 60, loc)} at the same rate; Tollgate charged ${mins(leg.creditSeconds, loc)} to credits${pool}.`;
    }
    case 'tollgate_has_no_rate':
      return `Tollgate found no rate for this call and charged nothing; Microsoft charged ${m}.`;
    case 'tollgate_charged_nothing':
      return `Tollgate's rate card charges nothing for this call; Microsoft charged ${m}.`;
    case 'connection_fee_differs':
      return `The per-minute charges agree; the connection fee differs: Microsoft ${money(leg.microsoft.connectionChargeMicros ?? 0, fmt)}, Tollgate ${money(leg.connectionFeeMicros, fmt)}.`;
    case 'per_minute_rate_differs':
      if (c.microsoftPerMinuteMicros !== null && c.tollgatePerMinuteMicros !== null) {
        return `Microsoft charged ${perMinute(c.microsoftPerMinuteMicros, fmt)} for ${mins(leg.creditSeconds, loc)}; Tollgate's rate card has ${perMinute(c.tollgatePerMinuteMicros, fmt)}.`;
      }
      return `Microsoft charged ${m}, Tollgate ${t}.`;
    case 'per_second':
      return `Microsoft billed the exact ${leg.durationSeconds} s (${m}); Tollgate rounded up to ${mins(leg.billedSeconds, loc)} (${t}).`;
    case 'one_minute':
      return `A minute apart at the same rate: Microsoft charged ${m}, Tollgate ${t} for ${mins(leg.creditSeconds, loc)}.`;
  }
}
