import { describePolicy, type DialOutPolicyName } from '../../billing/dial-out-policy';
import type { AudioConferencingPlan } from '../../billing/licenses';
import type { CardContext } from './card-context';
import { money, moment, personLabel, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './admin-result-card.json';

interface AutoRechargeSetting {
  triggerMicros: number | null;
  amountMicros: number | null;
}

/** An admin change that went through. `before` is what it was, where the caller knows. */
export type AdminChange =
  | { kind: 'credits_added'; amountMicros: number; balanceAfterMicros: number; balanceBeforeMicros?: number | null; memo?: string | null }
  | { kind: 'autorecharge_on'; triggerMicros: number; amountMicros: number; before?: AutoRechargeSetting | null }
  | { kind: 'autorecharge_off'; before?: AutoRechargeSetting | null }
  | { kind: 'policy_set'; target: 'global' | PersonName; policy: DialOutPolicyName; before?: DialOutPolicyName | null }
  | { kind: 'license_set'; user: PersonName; plan: AudioConferencingPlan; credits?: boolean; before?: { plan: AudioConferencingPlan; credits: boolean } | null }
  | { kind: 'tollfree_set'; user: PersonName; on: boolean; before?: boolean | null }
  | { kind: 'admin_added'; user: PersonName }
  | { kind: 'admin_removed'; user: PersonName }
  | { kind: 'low_balance_alert_set'; amountMicros: number | null; before?: number | null };

export interface AdminResultInput {
  change: AdminChange;
  /** Who made the change (display name or UPN). */
  actor: PersonName;
  /** When; ctx.now when omitted. */
  at?: Date | string;
  /** Anything else the admin should know, e.g. that Teams itself still needs the same change. */
  note?: string;
}

interface AdminResultModel {
  title: string;
  hasBefore: boolean;
  noBefore: boolean;
  before: string;
  after: string;
  hasFacts: boolean;
  facts: { title: string; value: string }[];
  hasNote: boolean;
  note: string;
  actor: string;
  when: string;
}

const expand = cardExpander<AdminResultModel>('admin result card', template);

const PLAN_WORDS: Readonly<Record<AudioConferencingPlan, string>> = {
  subscription: 'Audio Conferencing subscription',
  ppm: 'Audio Conferencing pay-per-minute',
  none: 'No Audio Conferencing',
};

function licenseWords(plan: AudioConferencingPlan, credits: boolean | undefined): string {
  if (credits === undefined) return PLAN_WORDS[plan];
  return `${PLAN_WORDS[plan]}, ${credits ? 'with' : 'without'} Communications Credits`;
}

function policyWords(p: DialOutPolicyName): string {
  return `${p}: ${describePolicy(p).summary}`;
}

interface Described {
  title: string;
  before?: string;
  after: string;
  facts?: { title: string; value: string }[];
}

function describe(change: AdminChange, ctx: CardContext): Described {
  const m = (micros: number) => money(micros, ctx);
  const recharge = (s: AutoRechargeSetting | null | undefined) =>
    s === undefined || s === null ? undefined : s.triggerMicros === null || s.amountMicros === null ? 'Off' : `On: below ${m(s.triggerMicros)}, buy ${m(s.amountMicros)}`;
  switch (change.kind) {
    case 'credits_added':
      return {
        title: `${m(change.amountMicros)} of Communications Credits recorded`,
        before: change.balanceBeforeMicros === undefined || change.balanceBeforeMicros === null ? undefined : `Balance ${m(change.balanceBeforeMicros)}`,
        after: `Balance ${m(change.balanceAfterMicros)}`,
        facts: change.memo?.trim() ? [{ title: 'Memo', value: change.memo.trim() }] : [],
      };
    case 'autorecharge_on':
      return {
        title: 'Auto-recharge turned on',
        before: recharge(change.before),
        after: `On: below ${m(change.triggerMicros)}, buy ${m(change.amountMicros)}`,
      };
    case 'autorecharge_off':
      return { title: 'Auto-recharge turned off', before: recharge(change.before), after: 'Off' };
    case 'policy_set':
      return {
        title: change.target === 'global' ? 'Global dial-out policy changed' : `Dial-out policy of ${personLabel(change.target, 'the user')} changed`,
        before: change.before ? policyWords(change.before) : undefined,
        after: policyWords(change.policy),
      };
    case 'license_set':
      return {
        title: `License of ${personLabel(change.user, 'the user')} changed`,
        before: change.before ? licenseWords(change.before.plan, change.before.credits) : undefined,
        after: licenseWords(change.plan, change.credits),
      };
    case 'tollfree_set':
      return {
        title: `Toll-free dial-in ${change.on ? 'allowed' : 'blocked'} for ${personLabel(change.user, 'the user')}'s meetings`,
        before: change.before === undefined || change.before === null ? undefined : change.before ? 'On' : 'Off',
        after: change.on ? 'On' : 'Off',
      };
    case 'admin_added':
      return { title: `${personLabel(change.user, 'The user')} is now a Tollgate admin`, after: 'Can add credits, set auto-recharge, and change licenses and policies.' };
    case 'admin_removed':
      return { title: `${personLabel(change.user, 'The user')} is no longer a Tollgate admin`, after: 'Can still see balances, usage, rates and policies.' };
    case 'low_balance_alert_set': {
      const words = (micros: number | null) => (micros === null ? 'Off' : `Below ${m(micros)}`);
      return {
        title: change.amountMicros === null ? 'Low-balance alert turned off' : 'Low-balance alert set',
        before: change.before === undefined ? undefined : words(change.before),
        after: words(change.amountMicros),
      };
    }
  }
}

/** A short confirmation of an admin change: what changed, before → now where known, who and when. */
export function buildAdminResultCard(input: AdminResultInput, ctx: CardContext): AdaptiveCardJson {
  const d = describe(input.change, ctx);
  const facts = d.facts ?? [];
  return expand({
    title: d.title,
    hasBefore: d.before !== undefined,
    noBefore: d.before === undefined,
    before: d.before ?? '',
    after: d.after,
    hasFacts: facts.length > 0,
    facts,
    hasNote: Boolean(input.note?.trim()),
    note: input.note?.trim() ?? '',
    actor: personLabel(input.actor, 'an admin'),
    when: ` · ${moment(input.at ?? ctx.now, ctx)}`,
  });
}
