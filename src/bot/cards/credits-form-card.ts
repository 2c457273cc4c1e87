import type { CardContext } from './card-context';
import { money } from './card-format';
import { amountBounds } from './amount-input';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './credits-form-card.json';

/** The longest memo the form takes; credits.add refuses a longer one (a card's data can be written by anyone). */
export const MEMO_MAX_LENGTH = 200;

export interface CreditsFormInput {
  /** The balance now, shown for orientation; omitted when not at hand. */
  balanceMicros?: number | null;
}

interface CreditsFormModel {
  intro: string;
  amountLabel: string;
  amountPlaceholder: string;
  min: number;
  max: number;
  amountError: string;
  memoMaxLength: number;
}

const expand = cardExpander<CreditsFormModel>('credits form card', template);

/** The form behind "credits": an amount (required, at least the smallest coin) and a memo; sends verb credits.add. */
export function buildCreditsFormCard(input: CreditsFormInput, ctx: CardContext): AdaptiveCardJson {
  const { min, max, step } = amountBounds(ctx.currency);
  const balance = input.balanceMicros === undefined || input.balanceMicros === null ? '' : ` The balance is ${money(input.balanceMicros, ctx)} now.`;
  return expand({
    intro: `Record credits your organization bought in the Teams admin center, in ${ctx.currency}.${balance} Microsoft suggests buying at least 50 USD at a time.`,
    amountLabel: `Amount (${ctx.currency})`,
    amountPlaceholder: 'e.g. 200',
    min,
    max,
    amountError: `Enter an amount of at least ${step} ${ctx.currency}.`,
    memoMaxLength: MEMO_MAX_LENGTH,
  });
}
