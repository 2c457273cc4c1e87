import { buildAdminResultCard, type AdminChange } from '../../../src/bot/cards/admin-result-card';
import { cardText } from './card-check';
import { adminCtx, LONG_NAME } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

const actor = { displayName: 'Priya Singh', upn: 'priya.singh@contoso.com' };
const jonas = { displayName: 'Jonas Weber', upn: 'jonas.weber@contoso.com' };

describe('admin result card', () => {
  it.each<[string, AdminChange, string[]]>([
    ['credits added', { kind: 'credits_added', amountMicros: 200_000_000, balanceBeforeMicros: 96_140_000, balanceAfterMicros: 296_140_000, memo: 'PO 4711' }, ['$200.00 of Communications Credits recorded', 'Balance $96.14', 'Balance $296.14', 'PO 4711']],
    ['credits added, balance before unknown', { kind: 'credits_added', amountMicros: 50_000_000, balanceAfterMicros: 50_000_000 }, ['$50.00 of Communications Credits recorded', 'Balance $50.00']],
    ['auto-recharge on', { kind: 'autorecharge_on', triggerMicros: 50_000_000, amountMicros: 200_000_000, before: { triggerMicros: null, amountMicros: null } }, ['Auto-recharge turned on', 'Before\nOff', 'On: below $50.00, buy $200.00']],
    ['auto-recharge off', { kind: 'autorecharge_off', before: { triggerMicros: 50_000_000, amountMicros: 200_000_000 } }, ['Auto-recharge turned off', 'On: below $50.00, buy $200.00', 'Now\nOff']],
    ['global policy', { kind: 'policy_set', target: 'global', policy: 'DialoutCPCandPSTNDomestic', before: 'DialoutCPCandPSTNInternational' }, ['Global dial-out policy changed', 'DialoutCPCandPSTNInternational: Meetings can dial out to any country', "DialoutCPCandPSTNDomestic: Meetings can dial out only within the organizer's country"]],
    ["a user's policy", { kind: 'policy_set', target: jonas, policy: 'DialoutCPCZoneAPSTNInternational' }, ['Dial-out policy of Jonas Weber changed', 'DialoutCPCZoneAPSTNInternational: Meetings can dial out only to Zone A countries']],
    ['license', { kind: 'license_set', user: jonas, plan: 'ppm', credits: true, before: { plan: 'subscription', credits: false } }, ['License of Jonas Weber changed', 'Audio Conferencing subscription, without Communications Credits', 'Audio Conferencing pay-per-minute, with Communications Credits']],
    ['toll-free', { kind: 'tollfree_set', user: jonas, on: false, before: true }, ["Toll-free dial-in blocked for Jonas Weber's meetings", 'Before\nOn', 'Now\nOff']],
    ['admin added', { kind: 'admin_added', user: { upn: 'new.admin@contoso.com' } }, ['new.admin@contoso.com is now a Tollgate admin']],
    ['admin removed', { kind: 'admin_removed', user: jonas }, ['Jonas Weber is no longer a Tollgate admin']],
    ['low-balance alert', { kind: 'low_balance_alert_set', amountMicros: 100_000_000, before: null }, ['Low-balance alert set', 'Before\nOff', 'Below $100.00']],
  ])('%s', (_name, change, expected) => {
    const card = buildAdminResultCard({ change, actor }, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    for (const e of expected) expect(text).toContain(e);
    expect(text).toContain('Changed by \nPriya Singh\n · Fri, Mar 14, 2025, 05:30 AM EDT');
  });

  it('a long target name, a given time and a note', () => {
    const card = buildAdminResultCard(
      { change: { kind: 'tollfree_set', user: { displayName: LONG_NAME }, on: true }, actor: { upn: 'priya.singh@contoso.com' }, at: '2025-03-01T12:00:00Z', note: 'Teams itself still needs the same setting.' },
      adminCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain(LONG_NAME);
    expect(text).toContain('priya.singh@contoso.com');
    expect(text).toContain('Sat, Mar 1, 2025, 07:00 AM EST');
    expect(text).toContain('Teams itself still needs the same setting.');
    expect(text).not.toContain('Before');
  });
});
