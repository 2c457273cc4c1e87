import { buildBalanceCard } from '../../../src/bot/cards/balance-card';
import { cardText, executeActions } from './card-check';
import { adminCtx, balanceView, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

const spend = { tollFreeDialInMicros: 12_000_000, dialOutMicros: 30_000_000, ppmDialInMicros: 11_860_000 };

describe('balance card', () => {
  it('shows the balance, the month-to-date split, the pool, the estimate, funding and expiry', () => {
    const card = buildBalanceCard({ balance: balanceView(), spend, daysLeft: 23.6 }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('$196.14');
    expect(text).toContain('Prepaid');
    expect(text).toContain('On: below $50.00, buy $200.00');
    expect(text).toContain('Toll-free dial-in\n$12.00');
    expect(text).toContain('Dial-out\n$30.00');
    expect(text).toContain('Pay-per-minute dial-in\n$11.86');
    expect(text).toContain('Total (41 calls)\n$53.86');
    expect(text).toContain('Spent in March 2025');
    expect(text).toContain('120 of 120 min used (100%)');
    expect(text).toContain('About 23 days left');
    expect(text).toContain('$200.00 on Mar 2, 2025 (auto-recharge)');
    // Lots expire at 00:00 UTC; in New York that is the evening before.
    expect(text).toContain('$96.00 on Jan 14, 2026');
    expect(text).toContain('Below $25.00');
  });

  it('refreshes in place: a Refresh button and a card-level refresh with the same verb', () => {
    const card = buildBalanceCard({ balance: balanceView(), spend, daysLeft: 10 }, adminCtx);
    const refresh = card.refresh as { action: { type: string; verb: string }; userIds: string[] };
    expect(refresh.action).toMatchObject({ type: 'Action.Execute', verb: 'refresh.balance' });
    expect(refresh.userIds).toEqual(['29:1abcAdminMri']);
    expect(executeActions(card).map((a) => a.verb)).toEqual(['refresh.balance', 'refresh.balance']);
    expect((buildBalanceCard({ balance: balanceView(), spend, daysLeft: 10 }, userCtx).refresh as { userIds: string[] }).userIds).toEqual([]);
  });

  it('shows a partly used pool with its percentage, rounded down', () => {
    const pool = { month: '2025-03', usedSeconds: 4299, totalSeconds: 7200, usedMinutes: 4299 / 60, totalMinutes: 120 };
    const text = cardText(buildBalanceCard({ balance: balanceView({ pool }), spend, daysLeft: 5 }, userCtx));
    expect(text).toContain('71.7 of 120 min used (59%)');
    expect(text).toContain('Starts again on Apr 1, 2025');
  });

  it('edge cases: no funding, no spend, pool of 0, auto-recharge off, no alert', () => {
    const balance = balanceView({
      balanceMicros: 0,
      autoRecharge: { enabled: false, triggerMicros: null, amountMicros: null },
      lowBalanceAlertMicros: null,
      pool: { month: '2025-03', usedSeconds: 0, totalSeconds: 0, usedMinutes: 0, totalMinutes: 0 },
      monthToDate: { chargeMicros: 0, legs: 0 },
      lastFunding: null,
      nextExpiry: null,
    });
    const card = buildBalanceCard({ balance, spend: { tollFreeDialInMicros: 0, dialOutMicros: 0, ppmDialInMicros: 0 }, daysLeft: null }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('$0.00');
    expect(text).toContain('None yet');
    expect(text).toContain('Nothing due to expire');
    expect(text).toContain('No dial-out pool');
    expect(text).toContain('Auto-recharge\nOff');
    expect(text).toContain('Low-balance alert\nOff');
    expect(text).toContain('Total (0 calls)\n$0.00');
    expect(text).toContain('refused until credits are added');
  });

  it('says there is no estimate when nothing was spent in the last 28 days', () => {
    const text = cardText(buildBalanceCard({ balance: balanceView(), spend, daysLeft: null }, userCtx));
    expect(text).toContain('No spend in the last 28 days');
  });

  it('says when unused funds expire before the balance would run out', () => {
    // The fixture's next expiry is Jan 2026; at 23 days left from March 2025 it does not come first.
    expect(cardText(buildBalanceCard({ balance: balanceView(), spend, daysLeft: 23.6 }, userCtx))).not.toContain('expire first');
    const text = cardText(buildBalanceCard({ balance: balanceView(), spend, daysLeft: 1422 }, userCtx));
    expect(text).toContain("About 1422 days left at the last 28 days' rate. Unused funds expire first: $96.00 on Jan 14, 2026.");
  });

  it('warns below the low-balance alert and under a day left', () => {
    const card = buildBalanceCard({ balance: balanceView({ balanceMicros: 12_340_000 }), spend, daysLeft: 0.4 }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Below the low-balance alert of $25.00.');
    expect(text).toContain('Less than a day left');
  });

  it('shows a negative balance after the fact', () => {
    const card = buildBalanceCard({ balance: balanceView({ balanceMicros: -3_250_000 }), spend, daysLeft: 0 }, userCtx);
    expectValidCard(card);
    expect(cardText(card)).toContain('-$3.25');
  });

  it('post-paid: no auto-recharge, calls continue', () => {
    const balance = balanceView({ billingMode: 'postpaid', balanceMicros: -10_000_000, autoRecharge: { enabled: false, triggerMicros: null, amountMicros: null } });
    const card = buildBalanceCard({ balance, spend, daysLeft: 0 }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Post-paid (Microsoft Customer Agreement)');
    expect(text).toContain('Not available (post-paid)');
    expect(text).toContain('billed on your invoice');
  });

  it('adds an "Other" line when the split does not add up to the total (connection fees, corrections)', () => {
    const text = cardText(buildBalanceCard({ balance: balanceView(), spend: { ...spend, dialOutMicros: 29_000_000 }, daysLeft: 3 }, userCtx));
    expect(text).toContain('Other\n$1.00');
  });

  it('formats money in the tenant currency and the reader locale', () => {
    const card = buildBalanceCard(
      { balance: balanceView({ currency: 'EUR', balanceMicros: 1_234_560_000 }), spend, daysLeft: 40 },
      { ...userCtx, currency: 'EUR', locale: 'de-DE', timeZone: 'Europe/Berlin' },
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('1.234,56\u00a0€');
    expect(text).toContain('März 2025');
  });
});
