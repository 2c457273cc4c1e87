/**
 * The toll-fraud patterns the guard looks for. Each settled dial-out is checked against all of them; an organizer has
 * at most one open incident per pattern, however many legs match it.
 */
export const FRAUD_PATTERNS = ['premium_rate', 'minutes_spike', 'new_country', 'short_call_burst', 'night_hours'] as const;

export type FraudPattern = (typeof FRAUD_PATTERNS)[number];

export function isFraudPattern(text: string): text is FraudPattern {
  return (FRAUD_PATTERNS as readonly string[]).includes(text);
}

/** What each pattern is, for people: a title and one sentence on why it matters. */
export const PATTERN_WORDS: Readonly<Record<FraudPattern, { title: string; why: string }>> = {
  premium_rate: {
    title: 'Calls to a high-cost destination',
    why: 'Premium and high-cost numbers are where toll fraud makes its money: every minute is paid to the number owner.',
  },
  minutes_spike: {
    title: 'Dial-out far above normal',
    why: "The organizer's dial-out minutes are far above their own 28-day average: a hijacked account or meeting dials out for hours.",
  },
  new_country: {
    title: 'Calls to a country never called before',
    why: 'Nobody in the organization had called this country before: fraud often goes to destinations a business never uses.',
  },
  short_call_burst: {
    title: 'Many short calls to one number range',
    why: 'Many short calls to numbers in one range look like a fraudster testing which numbers connect before the long calls.',
  },
  night_hours: {
    title: "Dial-out in the organizer's night hours",
    why: 'Meetings that dial out while the organizer is asleep are a common sign of an account or meeting used by someone else.',
  },
};
