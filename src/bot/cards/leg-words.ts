import { isReason, REASONS, type Reason } from '../../billing/reasons';
import type { LegView } from '../../usage/meeting-queries';

/** How cards name a call leg's kind, its payer and its flags, in plain words. */

export type LegKind = 'toll_dial_in' | 'toll_free_dial_in' | 'dial_out' | 'other';

export function legKind(leg: Pick<LegView, 'callType' | 'tollFree'>): LegKind {
  if (leg.callType === 'conf_in') return leg.tollFree ? 'toll_free_dial_in' : 'toll_dial_in';
  if (leg.callType === 'conf_out') return 'dial_out';
  return 'other';
}

export const LEG_KIND_WORDS: Readonly<Record<LegKind, string>> = {
  toll_dial_in: 'Dial-in (toll)',
  toll_free_dial_in: 'Dial-in (toll-free)',
  dial_out: 'Dial-out',
  other: 'Other call',
};

/**
 * Who paid, as the organizer would say it. A leg that emptied the pool mid-call is paid by credits with
 * pool minutes in it: "Pool + credits".
 */
export function paidByWords(leg: Pick<LegView, 'paidBy' | 'poolMinutes' | 'status'>): string {
  switch (leg.paidBy) {
    case 'subscription':
      return 'Subscription';
    case 'pool':
      return 'Dial-out pool';
    case 'credits':
      return leg.poolMinutes > 0 ? 'Pool + credits' : 'Credits';
    case 'addon':
      return 'US/Canada add-on';
    default:
      return leg.status === 'ignored' ? 'Not rated' : 'Not charged';
  }
}

/** A few words per flag, for a leg's line; the catalog message (what to do) is shown once per card. */
export const FLAG_WORDS: Readonly<Record<Reason, string>> = {
  dialout_blocked_by_policy: 'Dial-out not allowed by policy',
  dialout_domestic_only: 'Policy allows domestic dial-out only',
  dialout_zone_a_only: 'Policy allows Zone A dial-out only',
  tollfree_disabled_for_organizer: 'Toll-free dial-in is off for the organizer',
  no_audio_conferencing_license: 'Organizer has no Audio Conferencing license',
  no_communications_credits_license: 'Organizer has no Communications Credits license',
  insufficient_credits: 'Credits balance was used up',
  country_not_supported: 'No rate for this country',
  invalid_number: 'Invalid phone number',
  invalid_amount: 'Invalid amount',
  unknown_organizer: 'Organizer not known to Tollgate',
  unsupported_call_type: 'Not a meeting call',
  rate_not_found: 'No rate matched: not charged',
  rate_currency_mismatch: 'Rate card in another currency',
  credits_not_purchasable_in_country: 'Credits not available in this country',
  invalid_rate_card: 'Rate card has errors',
  suspected_toll_fraud: 'Suspected toll fraud',
  destination_blocked: 'Destination on the block list',
};

export function flagWords(flag: string): string {
  if (isReason(flag)) return FLAG_WORDS[flag];
  // A flag newer than this catalog: still readable.
  const words = flag.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What the reader can do about a flag: the catalog message, or nothing for a flag the catalog does not know. */
export function flagAdvice(flag: string): string {
  return isReason(flag) ? REASONS[flag].message : '';
}
