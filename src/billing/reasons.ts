/**
 * The one catalog of reasons the rating engine (and its callers) refuse or flag something for.
 *
 * A reason is data, never an exception: `{ ok: false, reason, message }`. Every message tells the person
 * reading it what to do next, so bot cards, CLI output and API errors can show it as it is.
 */
export const REASONS = {
  dialout_blocked_by_policy: {
    message:
      "The organizer's outbound calling policy does not allow dialing out from meetings. " +
      'Ask a Teams admin to assign a dial-out policy that allows meeting dial-out (e.g. DialoutCPCandPSTNInternational).',
  },
  dialout_domestic_only: {
    message:
      "The organizer's outbound calling policy allows meeting dial-out only to numbers in the organizer's own country. " +
      'Dial a domestic number, or ask a Teams admin for a policy that allows international dial-out.',
  },
  dialout_zone_a_only: {
    message:
      "The organizer's outbound calling policy allows meeting dial-out only to Zone A countries. " +
      'Dial a number in a Zone A country, or ask a Teams admin for a policy that allows any destination.',
  },
  tollfree_disabled_for_organizer: {
    message:
      "Toll-free dial-in is switched off for this meeting's organizer. " +
      'Join with a toll number, or ask a Teams admin to allow toll-free dial-in in the Audio Conferencing policy.',
  },
  no_audio_conferencing_license: {
    message:
      'The meeting organizer has no Audio Conferencing license, so the meeting has no dial-in numbers and cannot dial out. ' +
      'Ask an admin to assign Audio Conferencing (subscription or pay-per-minute) to the organizer.',
  },
  no_communications_credits_license: {
    message:
      'This call is paid from Communications Credits, but the organizer has no Communications Credits license (MCOPSTNPP). ' +
      'Ask an admin to assign it to the organizer.',
  },
  insufficient_credits: {
    message:
      "The tenant's Communications Credits balance does not cover this call. " +
      'Ask an admin to add credits or turn on auto-recharge.',
  },
  country_not_supported: {
    message:
      'There is no rate for this number in the rate card, so the call cannot be priced or allowed. ' +
      'Ask an admin to add a rate for this country to the rate card.',
  },
  invalid_number: {
    message:
      'This is not a valid phone number. Enter it in international E.164 form: a plus sign, the country code and the number, e.g. +14255550100.',
  },
  invalid_amount: {
    message:
      'This is not a valid amount. Enter a plain decimal number with a dot and at most 6 decimal places, e.g. 50 or 12.50.',
  },
  unknown_organizer: {
    message:
      "The meeting's organizer is not known to Tollgate. Ask an admin to import the organizer's user record and licenses.",
  },
  unsupported_call_type: {
    message:
      'Only meeting dial-in (conf_in) and dial-out (conf_out) legs are rated. Leave other call types out of the import.',
  },
  rate_not_found: {
    message:
      'No rate in the rate card matched this call, so it was recorded with no charge. ' +
      'Add a rate for this country to the rate card and rate the call again.',
  },
  rate_currency_mismatch: {
    message:
      "The rate card's currency differs from the tenant's currency, so the call cannot be charged. " +
      "Load a rate card in the tenant's currency.",
  },
  credits_not_purchasable_in_country: {
    message:
      "Communications Credits cannot be purchased for tenants in this country (Russia, South Korea, Taiwan), so calls paid from credits are not possible. " +
      'Use toll dial-in with an Audio Conferencing subscription, or dial-out within the monthly pool.',
  },
  invalid_rate_card: {
    message: 'The rate card has errors. Fix the listed lines and load the file again.',
  },
  suspected_toll_fraud: {
    message:
      "This dial-out looks like toll fraud and the organization refuses suspected fraud. " +
      'Ask a Tollgate admin to check the open incidents (incidents) and, if the call is legitimate, dismiss the incident or change the fraud settings.',
  },
  destination_blocked: {
    message:
      "This destination is on the organization's dial-out block list. " +
      'Ask a Tollgate admin to remove it from the block list (fraud unblock) if the call is legitimate.',
  },
} as const satisfies Record<string, { readonly message: string }>;

export type Reason = keyof typeof REASONS;

/** A domain refusal: what callers get instead of an exception. */
export interface Refusal<R extends Reason = Reason> {
  ok: false;
  reason: R;
  message: string;
}

export function reasonMessage(r: Reason): string {
  return REASONS[r].message;
}

export function isReason(text: string): text is Reason {
  return Object.prototype.hasOwnProperty.call(REASONS, text);
}

/** Builds a refusal with the catalog message, or a more specific one naming what exactly was wrong. */
export function refusal<R extends Reason>(reason: R, message: string = REASONS[reason].message): Refusal<R> {
  return { ok: false, reason, message };
}
