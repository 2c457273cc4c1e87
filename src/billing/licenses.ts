/**
 * Licenses, by Microsoft SKU part number. The meeting ORGANIZER's licenses decide how every leg of the
 * meeting is paid, whoever dials in or is dialed out to.
 */

/**
 * - subscription: Audio Conferencing per user (MCOMEETADV, or inside E5). Toll dial-in included, dial-out from
 *   the tenant's monthly pool (Zone A, non-premium), everything else from Communications Credits.
 * - ppm: Audio Conferencing pay-per-minute (MCOMEETACPEA). Every leg is charged to credits; no pool.
 * - none: no Audio Conferencing: the meeting has no dial-in numbers and cannot dial out.
 */
export type AudioConferencingPlan = 'subscription' | 'ppm' | 'none';

export const AUDIO_CONFERENCING_SUBSCRIPTION = 'MCOMEETADV';
export const AUDIO_CONFERENCING_PAY_PER_MINUTE = 'MCOMEETACPEA';
export const COMMUNICATIONS_CREDITS = 'MCOPSTNPP';
/** Tollgate's name for the optional US/Canada unlimited dial-out add-on (Microsoft has no stable SKU name for it). */
export const US_CA_DIALOUT_ADDON = 'MCOEXTDIALOUT_USCA';

/** E5 suites that include the Audio Conferencing subscription. Their _NOPSTNCONF variants do not. */
export const SUBSCRIPTION_LICENSES: readonly string[] = [AUDIO_CONFERENCING_SUBSCRIPTION, 'SPE_E5', 'ENTERPRISEPREMIUM'];

/** Every SKU Tollgate gives meaning to; others are accepted and ignored (a user holds many unrelated SKUs). */
export const KNOWN_LICENSES: readonly string[] = [
  AUDIO_CONFERENCING_SUBSCRIPTION,
  'SPE_E5',
  'ENTERPRISEPREMIUM',
  'SPE_E5_NOPSTNCONF',
  'ENTERPRISEPREMIUM_NOPSTNCONF',
  AUDIO_CONFERENCING_PAY_PER_MINUTE,
  COMMUNICATIONS_CREDITS,
  US_CA_DIALOUT_ADDON,
];

function holds(licenses: readonly string[], sku: string): boolean {
  return normalized(licenses).includes(sku);
}

/**
 * The SKUs trimmed and upper-cased, remembered per array: rating asks up to five questions of the same organizer's
 * licenses for every leg. The copy it was made from is kept and compared, so an array changed since is normalized
 * again rather than answered from the old one.
 */
function normalized(licenses: readonly string[]): readonly string[] {
  const hit = normalizedSkus.get(licenses);
  if (hit && sameSkus(hit.from, licenses)) return hit.skus;
  const skus = licenses.map((l) => l.trim().toUpperCase());
  normalizedSkus.set(licenses, { from: [...licenses], skus });
  return skus;
}

function sameSkus(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const normalizedSkus = new WeakMap<readonly string[], { from: readonly string[]; skus: readonly string[] }>();

export function isKnownLicense(sku: string): boolean {
  return KNOWN_LICENSES.includes(sku.trim().toUpperCase());
}

/**
 * The organizer's Audio Conferencing plan. SKU names are compared case-insensitively.
 * When a user holds both a subscription SKU and MCOMEETACPEA (Microsoft does not say what happens), the
 * subscription wins: it is what the organization pays for anyway, and it makes toll dial-in free. E5
 * "_NOPSTNCONF" SKUs grant nothing here.
 */
export function planFor(licenses: readonly string[]): AudioConferencingPlan {
  if (SUBSCRIPTION_LICENSES.some((sku) => holds(licenses, sku))) return 'subscription';
  if (holds(licenses, AUDIO_CONFERENCING_PAY_PER_MINUTE)) return 'ppm';
  return 'none';
}

/**
 * A user's SKUs after moving them to `plan`: every Audio Conferencing SKU they held (the subscription, the E5 suites
 * that include it, pay-per-minute) gives way to the plan's own; MCOPSTNPP is added (true), removed (false) or left as
 * it was (undefined); every other SKU is kept. What `license @user …` stores, and what the license advisor's what-ifs
 * rate with, so the two never disagree.
 */
export function licensesWithPlan(before: readonly string[], plan: AudioConferencingPlan, credits: boolean | undefined): string[] {
  const planSkus = new Set([...SUBSCRIPTION_LICENSES, AUDIO_CONFERENCING_PAY_PER_MINUTE]);
  let after = before.filter((sku) => !planSkus.has(sku));
  if (plan === 'subscription') after.push(AUDIO_CONFERENCING_SUBSCRIPTION);
  if (plan === 'ppm') after.push(AUDIO_CONFERENCING_PAY_PER_MINUTE);
  if (credits === true && !after.includes(COMMUNICATIONS_CREDITS)) after.push(COMMUNICATIONS_CREDITS);
  if (credits === false) after = after.filter((sku) => sku !== COMMUNICATIONS_CREDITS);
  return after;
}

/** MCOPSTNPP: what a subscription organizer needs for any leg that draws on credits. */
export function hasCommunicationsCredits(licenses: readonly string[]): boolean {
  return holds(licenses, COMMUNICATIONS_CREDITS);
}

/** The add-on only matters for a subscription organizer: a pay-per-minute organizer pays every leg anyway. */
export function hasUsCaDialOutAddon(licenses: readonly string[]): boolean {
  return holds(licenses, US_CA_DIALOUT_ADDON);
}
