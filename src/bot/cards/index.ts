/**
 * bot/cards: every answer Tollgate gives in Teams, as an Adaptive Card 1.5. Each card is a JSON template beside
 * the builder that fills it (adaptivecards-templating); builders take service data and a CardContext and return
 * the expanded card, ready to send with contentType application/vnd.microsoft.card.adaptive.
 *
 * Action.Execute verbs the cards send (the bot's action handlers answer them):
 * - refresh.balance                       balance card (button and card-level refresh)
 * - refresh.meeting   { conferenceId }    meeting cost card (button and card-level refresh)
 * - refresh.meetings                      meetings list card (button and card-level refresh)
 * - refresh.usage     { from, to, label } usage report card (button and card-level refresh)
 * - show.meeting      { conferenceId }    meetings list and usage report: open one meeting's cost card
 * - credits.add       inputs amount, memo            credits form
 * - autorecharge.set  inputs enabled ("true"/"false"), trigger, amount   auto-recharge form
 * - policy.set        inputs policy, target ("global" or a UPN / AAD id) policy form
 * Amount inputs arrive as numbers in whole currency units.
 */
export type { CardContext } from './card-context';
export type { AdaptiveCardJson } from './expand-card';
export type { PersonName } from './card-format';
export { buildHelpCard, type HelpEntry } from './help-card';
export { buildBalanceCard, type BalanceCardInput, type SpendSplit } from './balance-card';
export { buildUsageReportCard, type UsageReportCardInput, type UsageReportNames, type SpendGroup } from './usage-report-card';
export { buildMeetingCostCard, type MeetingCostInput } from './meeting-cost-card';
export { buildMeetingsListCard, type MeetingsListInput } from './meetings-list-card';
export { buildRatesCard, type RatesCardInput, type RateLookupView } from './rates-card';
export { buildPolicyCard, type PolicyCardInput } from './policy-card';
export { buildAdminResultCard, type AdminChange, type AdminResultInput } from './admin-result-card';
export { buildBadInputCard, type BadInputCardInput } from './bad-input-card';
export { buildRefusalCard, type RefusalCardInput } from './refusal-card';
export { buildOnboardingCard, type OnboardingCardInput } from './onboarding-card';
export { buildCreditsFormCard, type CreditsFormInput } from './credits-form-card';
export { buildAutoRechargeFormCard, type AutoRechargeFormInput } from './autorecharge-form-card';
export { buildPolicyFormCard, type PolicyFormInput } from './policy-form-card';
export { displayNumber, maskNumber } from './phone-display';
