import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './onboarding-card.json';

export interface OnboardingCardInput {
  /** The tenant from the activity (conversation.tenantId): the commands below are written for it. */
  tenantId: string;
  /** The admin setting it up can be named in the admins step; a placeholder otherwise. */
  adminUpn?: string | null;
}

interface OnboardingModel {
  status: string;
  steps: { title: string; command: string; hint: string }[];
}

const expand = cardExpander<OnboardingModel>('onboarding card', template);

/** For a tenant Tollgate has not seen yet: what Tollgate is and the few steps an admin takes to set it up. */
export function buildOnboardingCard(input: OnboardingCardInput): AdaptiveCardJson {
  const t = input.tenantId;
  const admin = input.adminUpn?.trim() || 'you@contoso.com';
  return expand({
    status: "Tollgate is not set up for your organization yet, so there is nothing to show. It takes an admin a few minutes; your organization's tenant id is filled in below.",
    steps: [
      {
        title: '1. Create the tenant',
        command: `tollgate tenant init ${t} --country US --currency USD --pool-licenses 100`,
        hint: 'Your country and the currency of your Communications Credits; pool licenses = Audio Conferencing subscription licenses (60 dial-out minutes each a month).',
      },
      {
        title: '2. Import your users',
        command: `tollgate users import users.csv --tenant ${t}`,
        hint: 'Columns: aadObjectId, userPrincipalName, displayName, usageLocation, licenses, dialOutPolicy, tollFreeDialIn.',
      },
      {
        title: '3. Load your rate card',
        command: `tollgate rates load rates.csv --tenant ${t}`,
        hint: 'Per-minute rates by call kind and country, from your agreement with Microsoft. The shipped sample card has made-up prices.',
      },
      {
        title: '4. Record your credits balance',
        command: `tollgate credits add 500 --tenant ${t}`,
        hint: 'The amount the Teams admin center shows under Billing; Tollgate keeps track from there.',
      },
      {
        title: '5. Make yourself a Tollgate admin',
        command: `tollgate admins add ${admin} --tenant ${t}`,
        hint: 'Admins can then add credits, set auto-recharge and change licenses and policies right here in Teams.',
      },
    ],
  });
}
