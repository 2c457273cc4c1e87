import type { AdvisedPlan } from '../../advisor/advisor-model';
import { ADVISED_PLAN_WORDS } from './advisor-card';
import type { CardContext } from './card-context';
import { money, personLabel, plural, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './advisor-confirm-card.json';

export interface AdvisorConfirmInput {
  user: PersonName & { id: string };
  from: AdvisedPlan;
  to: AdvisedPlan;
  savingPerMonthMicros: number;
  /** The window the saving was found over, in months. */
  months: number;
  poolLicensesBefore: number;
  poolLicensesAfter: number;
}

interface ConfirmModel {
  question: string;
  saving: string;
  facts: { title: string; value: string }[];
  note: string;
  userId: string;
  to: AdvisedPlan;
  months: string;
}

const expand = cardExpander<ConfirmModel>('advisor confirm card', template);

/** "Switch X to pay-per-minute? saves ~Y/month", with Confirm (advisor.confirm) and Cancel (advisor.cancel). */
export function buildAdvisorConfirmCard(input: AdvisorConfirmInput, ctx: CardContext): AdaptiveCardJson {
  const who = personLabel(input.user, 'this user');
  return expand({
    question: `Switch ${who} to ${ADVISED_PLAN_WORDS[input.to]}?`,
    saving: `Saves ~${money(input.savingPerMonthMicros, ctx)}/month, judged on the calls of the last ${plural(input.months, 'month', 'months', ctx.locale)}.`,
    facts: [
      { title: 'Now', value: `Audio Conferencing ${ADVISED_PLAN_WORDS[input.from]}` },
      { title: 'After', value: `Audio Conferencing ${ADVISED_PLAN_WORDS[input.to]}${input.to === 'subscription' ? ', with Communications Credits' : ''}` },
      {
        title: 'Pool licenses',
        value: `${input.poolLicensesBefore} → ${input.poolLicensesAfter} (${input.poolLicensesAfter * 60} dial-out minutes a month)`,
      },
    ],
    note: "Confirm changes Tollgate's records (audited). Make the same change in the Microsoft 365 admin center.",
    userId: input.user.id,
    to: input.to,
    months: String(input.months),
  });
}
