/**
 * billing/: the pure rating engine. No I/O, no clock, no randomness: everything it needs comes in as
 * arguments, every domain outcome goes out as data ({ ok: false, reason, message }), exceptions mean bugs.
 * Money is always integer micro-units (1 USD = 1_000_000).
 *
 * Where DOMAIN.md is silent, billing/ decides as follows (each is also documented where it is implemented):
 * - Licenses: a subscription SKU (MCOMEETADV, SPE_E5, ENTERPRISEPREMIUM) wins over MCOMEETACPEA when a user holds
 *   both; *_NOPSTNCONF grant nothing; SKU names are case-insensitive; unknown SKUs are ignored.
 * - US/Canada add-on: only for subscription organizers; every US/CA number (premium too), not Puerto Rico.
 * - Unknown organizer: authorize refuses; settle charges like pay-per-minute under the global policy, with the
 *   tenant's country as usage location, and flags unknown_organizer.
 * - The rated number is the callee: the bridge number for dial-in, the destination for dial-out. Its country is
 *   the number's own region (+1 604 is CA, +1 787 is PR, +44 7781 is GG); non-geographic numbers are invalid.
 * - Rate cards: a prefixed row matches only its own country's numbers (an empty country matches any); at the same
 *   prefix the country-specific row wins; rates change at 00:00 UTC of effectiveFrom.
 * - The pool pays second by second; what it cannot cover goes to credits pro rata; a negative remainder is an
 *   empty pool. A 0-second leg is paid by whoever would pay its first second: it costs nothing but is flagged
 *   like any other leg.
 * - Credit checks run only when credits pay. With no rate, authorize refuses country_not_supported and settle
 *   flags rate_not_found with a 0 charge. A rate card in another currency than the tenant's is
 *   rate_currency_mismatch (refused / flagged, never charged). RU/KR/TW is the tenant's country.
 * - maxDurationSeconds is a whole number of increments such that a call that long settles within the balance
 *   (the pool alone when credits cannot pay); authorize also refuses a leg whose durationSeconds exceeds it.
 *   settle flags insufficient_credits only when the balance was already <= 0, not when a call overdraws it.
 * - "ZoneA" policies are literal: a domestic call outside Zone A is refused too.
 * - Malformed legs (negative or fractional duration, invalid date, other call types) throw: usage/ validates
 *   records and filters non-meeting call types (unsupported_call_type) before rating.
 */
export * from './reasons';
export * from './money';
export * from './phone-number';
export * from './countries';
export * from './rate-card';
export * from './licenses';
export * from './dial-out-policy';
export * from './dial-out-pool';
export * from './rate-leg';
