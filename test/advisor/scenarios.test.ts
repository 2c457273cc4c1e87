import { advise } from '../../src/advisor/search';
import { PPM, SUBSCRIPTION, WhatIf } from '../../src/advisor/what-if';
import { micros, NUMBERS } from '../support/fixtures';
import { QUARTER, advisorInput, leg, user } from './support';

// Hand-worked with the test rate card: US toll dial-in $0.02/min, DE landline dial-out $0.06/min (Zone A, so the
// pool covers it for subscription organizers); a subscription license at $2.00 a month; three months, Aug to Oct 2026.
const $ = micros;

describe('license advisor: hand-worked scenarios', () => {
  it('a heavy dial-in user on pay-per-minute belongs on subscription', () => {
    // 300 minutes of toll dial-in a month: $6.00 a month on pay-per-minute; included in a $2.00 subscription.
    const heavy = user('heavy', 'MCOMEETACPEA');
    const legs = QUARTER.map((m) => leg('heavy', m, 300));
    const a = advise(advisorInput([heavy], legs, { poolLicenses: 0, price: '2.00' }));

    expect(a.current).toEqual({ creditsMicros: $('18.00'), feesMicros: 0, totalMicros: $('18.00'), perMonthMicros: $('6.00') });
    expect(a.best).toEqual({ creditsMicros: 0, feesMicros: $('6.00'), totalMicros: $('6.00'), perMonthMicros: $('2.00'), poolLicenses: 1 });
    expect(a.savingPerMonthMicros).toBe($('4.00'));
    expect(a.switches).toEqual([
      expect.objectContaining({ userId: 'heavy', from: 'ppm', to: 'subscription', savingMicros: $('12.00'), savingPerMonthMicros: $('4.00'), poolLicensesBefore: 0, poolLicensesAfter: 1 }),
    ]);
    const o = a.organizers.find((x) => x.userId === 'heavy')!;
    expect(o).toMatchObject({ plan: 'ppm', alternative: 'subscription', legs: 3, minutesPerMonth: 300, currentMicros: $('18.00'), alternativeMicros: $('6.00') });
    expect(o.tenantEffectPerMonthMicros).toBe(-$('4.00'));
    // $2.00 a month over $0.02 saved a minute.
    expect(o.breakEvenMinutesPerMonth).toBe(100);
  });

  it('a rare user on subscription belongs on pay-per-minute', () => {
    // 10 minutes of toll dial-in a month: $0.20 on pay-per-minute against a $2.00 license.
    const rare = user('rare', 'MCOMEETADV;MCOPSTNPP');
    const legs = QUARTER.map((m) => leg('rare', m, 10));
    const a = advise(advisorInput([rare], legs, { poolLicenses: 1, price: '2.00' }));

    expect(a.current.totalMicros).toBe($('6.00'));
    expect(a.best).toMatchObject({ creditsMicros: $('0.60'), feesMicros: 0, totalMicros: $('0.60'), poolLicenses: 0 });
    expect(a.switches).toEqual([expect.objectContaining({ userId: 'rare', from: 'subscription', to: 'ppm', savingPerMonthMicros: $('1.80'), poolLicensesAfter: 0 })]);
    const o = a.organizers[0]!;
    expect(o).toMatchObject({ plan: 'subscription', alternative: 'ppm', minutesPerMonth: 10, currentMicros: $('6.00'), alternativeMicros: $('0.60'), breakEvenMinutesPerMonth: 100 });
  });

  it('moving users off subscription shrinks the pool enough to change the answer', () => {
    // Two light users (10 min of dial-in a month) and a heavy dial-out user (120 min a month to Germany, covered by the
    // pool of 3 licenses = 180 min). Each light user alone saves $1.80 a month by going pay-per-minute, and the pool
    // (120 min) still covers the heavy user. Both together leave a 60-minute pool: the heavy user then pays 60 min ×
    // $0.06 = $3.60 a month, which eats the second $1.80 and more. Deciding each user alone would switch both.
    const users = [user('ana', 'MCOMEETADV;MCOPSTNPP'), user('ben', 'MCOMEETADV;MCOPSTNPP'), user('hal', 'MCOMEETADV;MCOPSTNPP')];
    const legs = QUARTER.flatMap((m) => [
      leg('ana', m, 10, { day: 3 }),
      leg('ben', m, 10, { day: 4 }),
      leg('hal', m, 120, { day: 5, callType: 'conf_out', number: NUMBERS.deLandline }),
    ]);
    const input = advisorInput(users, legs, { poolLicenses: 3, price: '2.00' });
    const a = advise(input);

    // Each light user, weighed alone, saves $1.80 a month.
    const alone = new Map(a.organizers.map((o) => [o.userId, o.tenantEffectPerMonthMicros]));
    expect(alone.get('ana')).toBe(-$('1.80'));
    expect(alone.get('ben')).toBe(-$('1.80'));
    // Giving back the heavy user's license costs far more: 120 min × $0.06 = $7.20 a month against $2.00.
    expect(alone.get('hal')).toBe($('5.20'));

    // The search switches one of them and stops: the second would cost more than it saves.
    expect(a.switches.map((s) => [s.userId, s.to, s.savingPerMonthMicros, s.poolLicensesAfter])).toEqual([['ana', 'ppm', $('1.80'), 2]]);
    expect(a.current.perMonthMicros).toBe($('6.00'));
    expect(a.best).toMatchObject({ perMonthMicros: $('4.20'), poolLicenses: 2, creditsMicros: $('0.60') });
    expect(a.search.complete).toBe(true);

    // Both switched, as independent advice would have it: the pool shrinks to 60 min and the saving is gone.
    const w = new WhatIf(input);
    const both = w.evaluate(Uint8Array.from([PPM, PPM, SUBSCRIPTION]), 1);
    expect(both.userCredits[2]).toBe($('10.80'));
    expect(both.totalMicros).toBe(a.current.totalMicros);
  });

  it('splits the leg that empties the pool the way intake does: pool part free, the rest charged with its connection fee', () => {
    // France: $0.05/min + $0.10 connection fee. One license = 60 pool minutes; a 45-minute call, then a 30-minute one:
    // the second leg takes the last 15 pool minutes and pays 15 minutes plus the fee.
    const fr = user('fr', 'MCOMEETADV;MCOPSTNPP');
    const legs = [leg('fr', '2026-10', 45, { day: 1, callType: 'conf_out', number: NUMBERS.frLandline }), leg('fr', '2026-10', 30, { day: 2, callType: 'conf_out', number: NUMBERS.frLandline })];
    const input = advisorInput([fr], legs, { poolLicenses: 1, price: '9.00', months: ['2026-10'] });
    const w = new WhatIf(input);
    expect(w.evaluate(Uint8Array.from([SUBSCRIPTION]), 1).creditsMicros).toBe($('0.85'));
    // Two licenses cover both; none leaves both to credits (75 min × $0.05 + 2 fees).
    expect(w.evaluate(Uint8Array.from([SUBSCRIPTION]), 2).creditsMicros).toBe(0);
    expect(w.evaluate(Uint8Array.from([SUBSCRIPTION]), 0).creditsMicros).toBe($('3.95'));
    expect(w.evaluate(Uint8Array.from([PPM]), 0).creditsMicros).toBe($('3.95'));
  });

  it('keeps E5 users and users without Audio Conferencing as they are, and counts unknown organizers as pay-per-minute', () => {
    const users = [user('e5', 'SPE_E5'), user('none', ''), user('idle', 'MCOMEETADV')];
    const legs = [leg('e5', '2026-10', 10), leg('none', '2026-10', 5), leg('ghost', '2026-10', 7)];
    const a = advise(advisorInput(users, legs, { poolLicenses: 1, price: '2.00' }));
    const byId = new Map(a.organizers.map((o) => [o.userId, o]));
    // The E5 suite pays for its Audio Conferencing: no subscription fee, and toll dial-in is included.
    expect(byId.get('e5')).toMatchObject({ plan: 'subscription', alternative: null, fixedBecause: 'Audio Conferencing comes with their E5 suite', currentMicros: 0 });
    expect(byId.get('none')).toMatchObject({ plan: 'none', alternative: null, fixedBecause: 'no Audio Conferencing license', currentMicros: $('0.10') });
    // The idle subscription user has no calls: their break-even is toll dial-in in the US, $2.00 / $0.02.
    expect(byId.get('idle')).toMatchObject({ legs: 0, breakEvenMinutesPerMonth: 100 });
    expect(a.switches.map((s) => s.userId)).toEqual(['idle']);
    // The unknown organizer's 7 minutes are in every total, never an organizer of their own.
    expect(byId.has('ghost')).toBe(false);
    expect(a.current).toMatchObject({ creditsMicros: $('0.24'), feesMicros: $('6.00') });
    expect(a.best).toMatchObject({ creditsMicros: $('0.24'), feesMicros: 0, poolLicenses: 0 });
    expect(a.warnings.join(' ')).toContain('2 users hold an Audio Conferencing subscription but the tenant counts 1 purchased licenses');
    expect(a.warnings.join(' ')).toContain('1 calls were organized by users Tollgate does not know');
    expect(a.search.candidates).toBe(1);
  });

  it('stops at its bound and says so', () => {
    const users = ['a', 'b', 'c'].map((id) => user(id, 'MCOMEETADV'));
    const a = advise(advisorInput(users, [], { poolLicenses: 3, price: '2.00' }), { maxSwitches: 2 });
    expect(a.switches.map((s) => s.userId)).toEqual(['a', 'b']);
    expect(a.search.complete).toBe(false);
    expect(advise(advisorInput(users, [], { poolLicenses: 3, price: '2.00' })).search.complete).toBe(true);
  });
});
