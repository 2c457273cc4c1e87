import { describePolicy, type ConferencingScope, type DialOutPolicyName, type PstnScope } from '../../billing/dial-out-policy';
import { hasCommunicationsCredits, hasUsCaDialOutAddon, planFor } from '../../billing/licenses';
import type { OrganizerProfile } from '../../billing/rate-leg';
import type { CardContext } from './card-context';
import { destinationLabel, personLabel, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './policy-card.json';

export interface PolicyCardInput {
  /** Whose policy this is: the reader's own, or another user's that an admin asked about. */
  subject: PersonName & { isSelf: boolean };
  /** The user's record in Tollgate; undefined when Tollgate has none (the global policy applies). */
  organizer?: OrganizerProfile;
  globalDialOutPolicy: DialOutPolicyName;
}

type Color = 'Default' | 'Good' | 'Warning' | 'Attention';

interface PolicyCardModel {
  title: string;
  policyName: string;
  source: string;
  meetings: string;
  meetingsColor: Color;
  pstn: string;
  tollFree: string;
  tollFreeColor: Color;
  licenses: { name: string; meaning: string; color: Color }[];
  showSkus: boolean;
  skus: string;
  footer: string;
}

const expand = cardExpander<PolicyCardModel>('policy card', template);

export function meetingDialOutWords(scope: ConferencingScope, home: string | undefined): string {
  switch (scope) {
    case 'any':
      return 'Meetings can dial out to numbers in any country.';
    case 'domestic':
      return home ? `Meetings can dial out only to numbers in ${home}, the organizer's usage location.` : "Meetings can dial out only to numbers in the organizer's own country.";
    case 'zone_a':
      return 'Meetings can dial out only to numbers in the 44 Zone A countries and regions.';
    case 'none':
      return 'Meetings cannot dial out.';
  }
}

export function pstnWords(scope: PstnScope): string {
  switch (scope) {
    case 'international':
      return 'Calls from Teams to domestic and international numbers are allowed.';
    case 'domestic':
      return 'Calls from Teams to domestic numbers only.';
    case 'none':
      return 'No calls from Teams to phone numbers, except emergency calls.';
  }
}

/** The licenses that matter for Audio Conferencing, each with what it means for meeting calls. */
export function licenseWords(licenses: readonly string[]): PolicyCardModel['licenses'] {
  const plan = planFor(licenses);
  const out: PolicyCardModel['licenses'] = [];
  if (plan === 'subscription') {
    out.push({
      name: 'Audio Conferencing subscription',
      meaning: 'Toll dial-in is included. Dial-out comes from the monthly pool (Zone A, non-premium numbers) first, then from credits. Toll-free dial-in is paid from credits.',
      color: 'Default',
    });
  } else if (plan === 'ppm') {
    out.push({ name: 'Audio Conferencing pay-per-minute', meaning: 'Every minute of every dial-in and dial-out is charged to Communications Credits. No pool.', color: 'Default' });
  } else {
    out.push({ name: 'No Audio Conferencing license', meaning: 'Meetings have no dial-in numbers and cannot dial out.', color: 'Attention' });
  }
  const credits = hasCommunicationsCredits(licenses);
  if (credits) {
    out.push({ name: 'Communications Credits', meaning: 'Calls that need credits (toll-free dial-in, dial-out beyond the pool) can be paid from the balance.', color: 'Default' });
  } else if (plan === 'subscription') {
    out.push({
      name: 'No Communications Credits license',
      meaning: 'Toll-free dial-in and dial-out beyond the pool or outside Zone A fail: they would need credits.',
      color: 'Warning',
    });
  }
  if (hasUsCaDialOutAddon(licenses) && plan === 'subscription') {
    out.push({ name: 'US/Canada dial-out add-on', meaning: 'Dial-out to the US and Canada is unlimited, without pool minutes or credits.', color: 'Default' });
  }
  return out;
}

/** Which dial-out policy is in force for a user (their own or the global one), in words, and what their licenses mean. */
export function buildPolicyCard(input: PolicyCardInput, ctx: CardContext): AdaptiveCardJson {
  const org = input.organizer;
  const own = org?.dialOutPolicy;
  const policy = own ?? input.globalDialOutPolicy;
  const scopes = describePolicy(policy);
  const who = input.subject.isSelf ? 'you' : personLabel(input.subject);
  const home = org ? destinationLabel(org.usageLocation, ctx.locale) : undefined;

  let source: string;
  if (own) source = input.subject.isSelf ? 'Assigned to you.' : `Assigned to ${who}.`;
  else if (org) source = `The organization's global policy: ${input.subject.isSelf ? 'you have' : `${who} has`} no policy of ${input.subject.isSelf ? 'your' : 'their'} own.`;
  else source = `The organization's global policy. Tollgate has no record of ${who}, so it cannot tell whether a policy of ${input.subject.isSelf ? 'your' : 'their'} own applies.`;

  return expand({
    title: input.subject.isSelf ? 'Your dial-out policy' : `Dial-out policy of ${personLabel(input.subject)}`,
    policyName: policy,
    source,
    meetings: meetingDialOutWords(scopes.conferencing, home),
    meetingsColor: scopes.conferencing === 'none' ? 'Attention' : 'Default',
    pstn: pstnWords(scopes.pstn),
    tollFree: !org ? 'Unknown: Tollgate has no record of this user.' : org.tollFreeDialIn ? 'On: callers can join by a toll-free number (paid from credits).' : 'Off: calls to a toll-free number of these meetings fail; callers must use a toll number.',
    tollFreeColor: org && !org.tollFreeDialIn ? 'Warning' : 'Default',
    licenses: org
      ? licenseWords(org.licenses)
      : [{ name: 'Unknown', meaning: 'Ask a Tollgate admin to import users with their licenses (tollgate users import).', color: 'Warning' }],
    showSkus: ctx.isAdmin && org !== undefined,
    skus: org && org.licenses.length > 0 ? `Licenses on record: ${org.licenses.join(', ')}` : 'No licenses on record.',
    footer: ctx.isAdmin
      ? 'Change it with "policy set <policy> global" or "policy set <policy> @user"; type "policy set" for the choices.'
      : 'Need a different policy or license? Ask a Tollgate admin.',
  });
}
