import type { BalanceView } from '../../ledger/ledger';
import type { CardContext } from './card-context';
import { money } from './card-format';
import { amountBounds, microsToInputValue } from './amount-input';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './autorecharge-form-card.json';

export type AutoRechargeFormInput = Pick<BalanceView, 'autoRecharge' | 'billingMode'> & Partial<Pick<BalanceView, 'balanceMicros'>>;

interface AutoRechargeFormModel {
  current: string;
  intro: string;
  prepaid: boolean;
  enabled: 'true' | 'false';
  triggerLabel: string;
  trigger: number;
  triggerError: string;
  amountLabel: string;
  amount: number;
  amountError: string;
  min: number;
  max: number;
}

const expand = cardExpander<AutoRechargeFormModel>('auto-recharge form card', template);

/** Suggestions for a tenant that never set auto-recharge, in whole currency units. */
export const SUGGESTED_TRIGGER_UNITS = 50;
export const SUGGESTED_AMOUNT_UNITS = 200;

/**
 * The form behind "autorecharge": on/off, the trigger and the amount (prefilled with the current setting, or a
 * suggestion, so switching it off never asks for numbers); sends verb autorecharge.set with enabled "true"/"false".
 * Post-paid tenants get the reason instead of a form.
 */
export function buildAutoRechargeFormCard(input: AutoRechargeFormInput, ctx: CardContext): AdaptiveCardJson {
  const { min, max, step } = amountBounds(ctx.currency);
  const a = input.autoRecharge;
  const on = a.enabled && a.triggerMicros !== null && a.amountMicros !== null;
  const prepaid = input.billingMode === 'prepaid';
  const balance = input.balanceMicros === undefined ? '' : ` The balance is ${money(input.balanceMicros, ctx)}.`;
  return expand({
    current: !prepaid
      ? 'Not available: this organization is post-paid (Microsoft Customer Agreement), so calls are billed on the invoice and there is nothing to recharge.'
      : on
        ? `On: when the balance falls below ${money(a.triggerMicros!, ctx)}, ${money(a.amountMicros!, ctx)} is bought.${balance}`
        : `Off.${balance}`,
    intro: prepaid
      ? 'When a call takes the balance below the trigger, Tollgate records a recharge of the amount, once, and tells the admins. Set the same in the Teams admin center so Microsoft actually charges it.'
      : '',
    prepaid,
    enabled: on ? 'true' : 'false',
    triggerLabel: `When the balance falls below (${ctx.currency})`,
    trigger: on ? microsToInputValue(a.triggerMicros!) : SUGGESTED_TRIGGER_UNITS,
    triggerError: `Enter a trigger of 0 ${ctx.currency} or more.`,
    amountLabel: `Buy this much (${ctx.currency})`,
    amount: on ? microsToInputValue(a.amountMicros!) : SUGGESTED_AMOUNT_UNITS,
    amountError: `Enter an amount of at least ${step} ${ctx.currency}.`,
    min,
    max,
  });
}
