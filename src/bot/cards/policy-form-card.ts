import {
  DEFAULT_DIAL_OUT_POLICY,
  DIAL_OUT_POLICIES,
  describePolicy,
  type ConferencingScope,
  type DialOutPolicyName,
  type PstnScope,
} from '../../billing/dial-out-policy';
import { personLabel, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import { meetingDialOutWords, pstnWords } from './policy-card';
import template from './policy-form-card.json';

export interface PolicyFormInput {
  /** Whom the form is for: the tenant-wide policy, or one user (id: UPN or AAD object id, sent back as typed). */
  target: 'global' | (PersonName & { id: string });
  globalDialOutPolicy: DialOutPolicyName;
  /** The user's own policy, when the target is a user who has one. */
  userDialOutPolicy?: DialOutPolicyName | null;
}

interface PolicyFormModel {
  current: string;
  target: string;
  selected: string;
  choices: { title: string; value: string }[];
}

const expand = cardExpander<PolicyFormModel>('policy form card', template);

const MEETING_SHORT: Readonly<Record<ConferencingScope, string>> = {
  any: 'any country',
  domestic: 'domestic only',
  zone_a: 'Zone A countries only',
  none: 'none',
};

const PSTN_SHORT: Readonly<Record<PstnScope, string>> = {
  international: 'domestic and international',
  domestic: 'domestic only',
  none: 'emergency only',
};

/** One policy in words, for a choice: "Meeting dial-out: any country. Own calls: domestic only. (PolicyName)". */
export function policyChoiceTitle(p: DialOutPolicyName): string {
  const { conferencing, pstn } = describePolicy(p);
  const name = p === DEFAULT_DIAL_OUT_POLICY ? `${p}, Microsoft's default` : p;
  return `Meeting dial-out: ${MEETING_SHORT[conferencing]}. Own calls: ${PSTN_SHORT[pstn]}. (${name})`;
}

/**
 * The form behind "policy set" without a policy: the twelve policies, each described in words, and whom it applies
 * to (global or one user). Sends verb policy.set with inputs `policy` and `target`.
 */
export function buildPolicyFormCard(input: PolicyFormInput): AdaptiveCardJson {
  const user = input.target === 'global' ? undefined : input.target;
  const inForce = user ? (input.userDialOutPolicy ?? input.globalDialOutPolicy) : input.globalDialOutPolicy;
  let current: string;
  if (!user) current = `The global policy now: ${inForce}. ${meetingDialOutWords(describePolicy(inForce).conferencing, undefined)} ${pstnWords(describePolicy(inForce).pstn)}`;
  else if (input.userDialOutPolicy) current = `${personLabel(user, user.id)} has their own policy now: ${inForce}.`;
  else current = `${personLabel(user, user.id)} has no policy of their own, so the global policy applies: ${inForce}.`;
  return expand({
    current,
    target: user ? user.id : 'global',
    selected: inForce,
    choices: DIAL_OUT_POLICIES.map((p) => ({ title: policyChoiceTitle(p), value: p })),
  });
}
