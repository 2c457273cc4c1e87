import { DIAL_OUT_POLICIES } from '../../../src/billing/dial-out-policy';
import { buildAutoRechargeFormCard } from '../../../src/bot/cards/autorecharge-form-card';
import { buildCreditsFormCard } from '../../../src/bot/cards/credits-form-card';
import { buildPolicyFormCard } from '../../../src/bot/cards/policy-form-card';
import { cardText, executeActions } from './card-check';
import { adminCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

type Input = { type: string; id: string; isRequired?: boolean; min?: number; max?: number; value?: unknown; label?: string; errorMessage?: string; choices?: { title: string; value: string }[] };

function inputs(card: unknown): Record<string, Input> {
  const out: Record<string, Input> = {};
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (n === null || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.')) out[o.id as string] = o as unknown as Input;
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out;
}

describe('credits form', () => {
  it('a required amount of at least one cent, an optional memo, verb credits.add', () => {
    const card = buildCreditsFormCard({ balanceMicros: 196_140_000 }, adminCtx);
    expectValidCard(card);
    const { amount, memo } = inputs(card);
    expect(amount).toMatchObject({ type: 'Input.Number', isRequired: true, min: 0.01, max: 1_000_000_000, label: 'Amount (USD)' });
    expect(amount!.errorMessage).toBe('Enter an amount of at least 0.01 USD.');
    expect(memo).toMatchObject({ type: 'Input.Text' });
    expect(memo!.isRequired).toBeUndefined();
    expect(executeActions(card)).toEqual([{ verb: 'credits.add', title: 'Add credits' }]);
    expect(cardText(card)).toContain('The balance is $196.14 now.');
  });

  it('a currency without minor units asks for at least 1', () => {
    const card = buildCreditsFormCard({}, { ...adminCtx, currency: 'JPY', locale: 'ja-JP' });
    expectValidCard(card);
    expect(inputs(card).amount).toMatchObject({ min: 1, label: 'Amount (JPY)' });
  });
});

describe('auto-recharge form', () => {
  it('prefilled with the current setting; toggle, trigger, amount; verb autorecharge.set', () => {
    const card = buildAutoRechargeFormCard({ billingMode: 'prepaid', autoRecharge: { enabled: true, triggerMicros: 75_500_000, amountMicros: 300_000_000 }, balanceMicros: 196_140_000 }, adminCtx);
    expectValidCard(card);
    const { enabled, trigger, amount } = inputs(card);
    expect(enabled).toMatchObject({ type: 'Input.Toggle', value: 'true' });
    expect(trigger).toMatchObject({ type: 'Input.Number', value: 75.5, min: 0, isRequired: true });
    expect(amount).toMatchObject({ type: 'Input.Number', value: 300, min: 0.01, isRequired: true });
    expect(executeActions(card).map((a) => a.verb)).toEqual(['autorecharge.set']);
    expect(cardText(card)).toContain('On: when the balance falls below $75.50, $300.00 is bought.');
  });

  it('off: suggestions prefilled so switching it on is one click, and off never asks for numbers', () => {
    const card = buildAutoRechargeFormCard({ billingMode: 'prepaid', autoRecharge: { enabled: false, triggerMicros: null, amountMicros: null } }, adminCtx);
    expectValidCard(card);
    const { enabled, trigger, amount } = inputs(card);
    expect(enabled!.value).toBe('false');
    expect(trigger!.value).toBe(50);
    expect(amount!.value).toBe(200);
    expect(cardText(card)).toContain('Off.');
  });

  it('post-paid: the reason, no inputs, no action', () => {
    const card = buildAutoRechargeFormCard({ billingMode: 'postpaid', autoRecharge: { enabled: false, triggerMicros: null, amountMicros: null } }, adminCtx);
    expectValidCard(card);
    expect(inputs(card)).toEqual({});
    expect(executeActions(card)).toEqual([]);
    expect(cardText(card)).toContain('post-paid');
  });
});

describe('policy form', () => {
  it('all 12 policies, each described in words, the current one selected; target global; verb policy.set', () => {
    const card = buildPolicyFormCard({ target: 'global', globalDialOutPolicy: 'DialoutCPCDomesticPSTNInternational' });
    expectValidCard(card);
    const { policy, target } = inputs(card);
    expect(policy!.type).toBe('Input.ChoiceSet');
    expect(policy!.isRequired).toBe(true);
    expect(policy!.value).toBe('DialoutCPCDomesticPSTNInternational');
    expect(policy!.choices!.map((c) => c.value)).toEqual([...DIAL_OUT_POLICIES]);
    expect(policy!.choices![0]!.title).toBe(
      "Meeting dial-out: any country. Own calls: domestic and international. (DialoutCPCandPSTNInternational, Microsoft's default)",
    );
    expect(policy!.choices!.find((c) => c.value === 'DialoutCPCZoneAPSTNDisabled')!.title).toBe(
      'Meeting dial-out: Zone A countries only. Own calls: emergency only. (DialoutCPCZoneAPSTNDisabled)',
    );
    expect(target).toMatchObject({ type: 'Input.Text', value: 'global', isRequired: true });
    expect(executeActions(card).map((a) => a.verb)).toEqual(['policy.set']);
    expect(cardText(card)).toContain('The global policy now: DialoutCPCDomesticPSTNInternational.');
  });

  it("for one user: their id as the target, their policy (or the global one) selected", () => {
    const own = buildPolicyFormCard({ target: { id: 'jonas.weber@contoso.com', displayName: 'Jonas Weber' }, globalDialOutPolicy: 'DialoutCPCandPSTNInternational', userDialOutPolicy: 'DialoutCPCandPSTNDomestic' });
    expectValidCard(own);
    expect(inputs(own).target!.value).toBe('jonas.weber@contoso.com');
    expect(inputs(own).policy!.value).toBe('DialoutCPCandPSTNDomestic');
    expect(cardText(own)).toContain('Jonas Weber has their own policy now: DialoutCPCandPSTNDomestic.');
    const none = buildPolicyFormCard({ target: { id: '0f4c2a8e-1111-4d5e-9c3b-5a6b7c8d9e0f' }, globalDialOutPolicy: 'DialoutCPCandPSTNInternational' });
    expectValidCard(none);
    expect(cardText(none)).toContain('0f4c2a8e-1111-4d5e-9c3b-5a6b7c8d9e0f has no policy of their own, so the global policy applies');
  });
});
