import { advise } from '../../../src/advisor/search';
import { buildAdvisorCard, MAX_SWITCHES_SHOWN } from '../../../src/bot/cards/advisor-card';
import { buildAdvisorConfirmCard } from '../../../src/bot/cards/advisor-confirm-card';
import { NUMBERS } from '../../support/fixtures';
import { QUARTER, advisorInput, leg, user } from '../../advisor/support';
import { cardText, executeActions } from './card-check';
import { adminCtx, LONG_NAME } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

/** The pool scenario of test/advisor/scenarios.test.ts, plus a heavy pay-per-minute dial-in user. */
function poolAdvice() {
  const users = [user('ana', 'MCOMEETADV;MCOPSTNPP'), user('ben', 'MCOMEETADV;MCOPSTNPP'), user('hal', 'MCOMEETADV;MCOPSTNPP'), user('pia', 'MCOMEETACPEA')];
  const legs = QUARTER.flatMap((m) => [
    leg('ana', m, 10, { day: 3 }),
    leg('ben', m, 10, { day: 4 }),
    leg('hal', m, 120, { day: 5, callType: 'conf_out', number: NUMBERS.deLandline }),
    leg('pia', m, 300, { day: 6 }),
  ]);
  return advise(advisorInput(users, legs, { poolLicenses: 3, price: '2.00' }));
}

describe('advisor card', () => {
  it('the saving, today and the cheapest found a month, and a switch button per recommendation', () => {
    const advice = poolAdvice();
    const card = buildAdvisorCard(advice, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('License advisor');
    // Pia's 300 minutes of dial-in go on a subscription (pool 3 -> 4), which leaves room for both light users to give
    // theirs back (4 -> 3 -> 2) with Hal's 120 dial-out minutes still covered.
    expect(text).toContain('Save about $7.60 a month');
    expect(text).toContain('12 calls of August 2026 to October 2026');
    expect(text).toContain('Today\n$12.00 a month (calls $6.00, subscriptions $6.00)');
    expect(text).toContain('Cheapest found\n$4.40 a month (calls $0.40, subscriptions $4.00)');
    expect(text).toContain('Subscription price\n$2.00 a month per user');
    expect(text).toContain('Pool licenses\n3 → 2 (120 dial-out minutes a month)');
    expect(text).toContain('Pia\nPay-per-minute → subscription · 300 min a month · break-even 100 min a month · pool licenses 3 → 4');
    expect(text).toContain('saves ~$4.00/month');
    expect(text).toContain('Ana\nSubscription → pay-per-minute · 10 min a month · break-even 100 min a month · pool licenses 4 → 3');
    expect(text).toContain('Ben\nSubscription → pay-per-minute · 10 min a month · break-even 100 min a month · pool licenses 3 → 2');
    expect(text).toContain('saves ~$1.80/month');
    expect(text).not.toContain('Hal\n');
    const actions = executeActions(card);
    expect(actions).toEqual(
      expect.arrayContaining([
        { verb: 'advisor.switch', title: 'Switch to subscription', data: { user: 'pia', to: 'subscription', months: '3' } },
        { verb: 'advisor.switch', title: 'Switch to pay-per-minute', data: { user: 'ana', to: 'ppm', months: '3' } },
        { verb: 'refresh.advisor', title: 'Refresh', data: { months: '3' } },
      ]),
    );
    expect(card).toMatchObject({ refresh: { action: { verb: 'refresh.advisor', data: { months: '3' } }, userIds: ['29:1abcAdminMri'] } });
  });

  it('no saving: says so, offers no switch', () => {
    const advice = advise(advisorInput([user('pia', 'MCOMEETACPEA')], [leg('pia', '2026-10', 5)], { poolLicenses: 0, price: '2.00' }));
    const card = buildAdvisorCard(advice, adminCtx);
    expectValidCard(card);
    expect(cardText(card)).toContain('Every organizer already has the cheaper license');
    expect(executeActions(card).map((a) => a.verb)).toEqual(['refresh.advisor', 'refresh.advisor']);
  });

  it('a tenant of hundreds: the top switches, the rest counted, long names, warnings, and still small enough', () => {
    const users = Array.from({ length: 200 }, (_, i) => ({ ...user(`idle-${String(i).padStart(3, '0')}`, 'MCOMEETADV'), displayName: `${LONG_NAME} ${i}` }));
    const advice = advise(advisorInput(users, [leg('ghost', '2026-10', 5)], { poolLicenses: 150, price: '8.00' }));
    expect(advice.switches).toHaveLength(50);
    const card = buildAdvisorCard(advice, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(executeActions(card).filter((a) => a.verb === 'advisor.switch')).toHaveLength(MAX_SWITCHES_SHOWN);
    expect(text).toContain(`and 45 more switches: tollgate advise --tenant tenant-a lists them all.`);
    expect(text).toContain('200 users hold an Audio Conferencing subscription but the tenant counts 150 purchased licenses');
    expect(text).toContain('The search stopped after 50 switches: apply these and ask again for more.');
    expect(text).toContain('Subscription → pay-per-minute · no calls · break-even 400 min a month');
  });
});

describe('advisor confirm card', () => {
  it('asks, with the saving, the change and the pool; Confirm and Cancel carry the switch', () => {
    const card = buildAdvisorConfirmCard(
      { user: { displayName: 'Ana Costa', upn: 'ana@contoso.example', id: 'aad-ana' }, from: 'subscription', to: 'ppm', savingPerMonthMicros: 1_800_000, months: 3, poolLicensesBefore: 3, poolLicensesAfter: 2 },
      adminCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Switch Ana Costa to pay-per-minute?');
    expect(text).toContain('Saves ~$1.80/month, judged on the calls of the last 3 months.');
    expect(text).toContain('Now\nAudio Conferencing subscription');
    expect(text).toContain('After\nAudio Conferencing pay-per-minute');
    expect(text).toContain('Pool licenses\n3 → 2 (120 dial-out minutes a month)');
    expect(text).toContain('Make the same change in the Microsoft 365 admin center.');
    expect(executeActions(card)).toEqual([
      { verb: 'advisor.confirm', title: 'Confirm', data: { user: 'aad-ana', to: 'ppm', months: '3' } },
      { verb: 'advisor.cancel', title: 'Cancel', data: { months: '3' } },
    ]);
    const toSub = buildAdvisorConfirmCard({ user: { displayName: null, upn: 'pia@contoso.example', id: 'aad-pia' }, from: 'ppm', to: 'subscription', savingPerMonthMicros: 4_000_000, months: 1, poolLicensesBefore: 0, poolLicensesAfter: 1 }, adminCtx);
    expectValidCard(toSub);
    expect(cardText(toSub)).toContain('Switch pia@contoso.example to subscription?');
    expect(cardText(toSub)).toContain('After\nAudio Conferencing subscription, with Communications Credits');
    expect(cardText(toSub)).toContain('the last 1 month.');
  });
});
