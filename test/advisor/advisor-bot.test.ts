import { listAudit } from '../../src/store/audit-store';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { expectValidCard } from '../bot/cards/expect-valid-card';
import { executeActions } from '../bot/cards/card-check';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T as TENANT, USERS, leg, setUpTenant } from '../support/fixtures';

const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizer: Person = { aadObjectId: USERS.none, teamsId: '29:none', name: 'No License' };

describeEachEngine('bot: the license advisor', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;
  let T: string;
  let n = 0;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup());
  beforeEach(async () => {
    // The clock stands at 2026-11-15: the advisor weighs August to October 2026. One pool license; the German
    // pay-per-minute user dials in for 200 minutes ($8.00) in September and in October.
    T = `${TENANT}-${++n}`;
    ({ tollgate } = await setUpTenant(store, { poolLicenses: 1 }, T));
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    await tollgate.intake.ingest(T, ['2026-09-10', '2026-10-10'].map((day) => leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 12_000, start: `${day}T10:00:00Z` })));
    h = createHarness(tollgate);
  });

  const say = async (text: string, from: Person) => {
    const replies = await h.say(text, from, { tenantId: T });
    expect(replies).toHaveLength(1);
    return replies[0]!;
  };
  const click = (verb: string, data: Record<string, unknown>, from: Person) => h.execute(verb, data, from, { tenantId: T });
  const userRow = async (tenantId: string, id: string) => (await tollgate.directory.user(tenantId, id))!;
  const pool = async (tenantId: string) => (await tollgate.directory.tenant(tenantId))!.pool_licenses;

  it('asks for the price first, takes it, and answers with the advice', async () => {
    const first = await say('advisor', admin);
    expectValidCard(first.card);
    expect(first.text).toContain('Set the subscription price first');
    expect(first.text).toContain('advisor price <amount>, e.g. advisor price 8');

    const priced = await say('advisor price 2', admin);
    expectValidCard(priced.card);
    expect(priced.text).toContain('Subscription price\n$2.00 a month per user');
    // $16.00 of calls and three $2.00 subscriptions over 3 months: $11.33 a month today; $2.00 at best.
    expect(priced.text).toContain('Save about $9.33 a month');
    expect(priced.text).toContain('Pay PerMinute\nPay-per-minute → subscription · 133.3 min a month · break-even 50 min a month · pool licenses 1 → 2');
    expect(priced.text).toContain('saves ~$3.33/month');
    const audit = (await listAudit(store.db, T)).find((e) => e.action === 'advisor.price.set')!;
    expect([audit.actor, JSON.parse(audit.detail)]).toEqual([USERS.sub, { micros: 2_000_000, before: null }]);

    const sixMonths = await say('advisor 6 months', admin);
    expect(sixMonths.text).toContain('2 calls of May 2026 to October 2026');
    expect(executeActions(sixMonths.card)).toContainEqual({ verb: 'advisor.switch', title: 'Switch to subscription', data: { user: USERS.ppm, to: 'subscription', months: '6' } });
    expect((await click('refresh.advisor', { months: '6' }, admin)).text).toContain('May 2026 to October 2026');
    expect((await click('refresh.advisor', { months: 'lots' }, admin)).text).toContain('August 2026 to October 2026');
  });

  it('a switch asks to confirm, Cancel changes nothing, Confirm applies it with the pool, audited; a second Confirm changes nothing', async () => {
    await say('advisor price 2', admin);
    const card = await say('advisor', admin);
    const button = executeActions(card.card).find((a) => a.verb === 'advisor.switch' && (a.data as { user: string }).user === USERS.ppm)!;

    const confirm = await click('advisor.switch', button.data as Record<string, unknown>, admin);
    expectValidCard(confirm.card);
    expect(confirm.text).toContain('Switch Pay PerMinute to subscription?');
    expect(confirm.text).toContain('Saves ~$3.33/month, judged on the calls of the last 3 months.');
    expect(confirm.text).toContain('Pool licenses\n1 → 2 (120 dial-out minutes a month)');
    expect((await userRow(T, USERS.ppm)).licenses).toBe('MCOMEETACPEA');
    expect(await pool(T)).toBe(1);

    const cancelled = await click('advisor.cancel', { months: '3' }, admin);
    expect(cancelled.text).toContain('Save about $9.33 a month');
    expect((await userRow(T, USERS.ppm)).licenses).toBe('MCOMEETACPEA');

    const confirmAction = executeActions(confirm.card).find((a) => a.verb === 'advisor.confirm')!;
    const done = await click('advisor.confirm', confirmAction.data as Record<string, unknown>, admin);
    expectValidCard(done.card);
    expect(done.text).toContain('License of Pay PerMinute changed');
    expect(done.text).toContain('Audio Conferencing subscription, with Communications Credits');
    expect(done.text).toContain('Pool licenses 1 → 2 (120 dial-out minutes a month).');
    expect(done.text).toContain('Sub Scriber');
    expect((await userRow(T, USERS.ppm)).licenses).toBe('MCOMEETADV;MCOPSTNPP');
    expect(await pool(T)).toBe(2);
    const audit = (await listAudit(store.db, T)).filter((e) => e.action === 'license.set' || e.action === 'pool-licenses.set');
    expect(audit.map((e) => [e.action, e.actor])).toEqual(expect.arrayContaining([['license.set', USERS.sub], ['pool-licenses.set', USERS.sub]]));
    expect(JSON.parse(audit.find((e) => e.action === 'license.set')!.detail)).toMatchObject({ user: USERS.ppm, via: 'advisor', poolLicenses: { before: 1, after: 2 } });

    const again = await click('advisor.confirm', confirmAction.data as Record<string, unknown>, admin);
    expect(again.text).toContain('Pay PerMinute is already on subscription. Nothing was changed.');
    expect(await pool(T)).toBe(2);
    // What is left: the three idle subscriptions.
    expect((await say('advisor', admin)).text).toContain('Save about $6.00 a month');
  });

  it('refuses non-admins exactly as other admin commands, by message and by button, and changes nothing', async () => {
    await say('advisor price 2', admin);
    for (const text of ['advisor', 'advisor price 1']) {
      const r = await say(text, organizer);
      expectValidCard(r.card);
      expect(r.text).toContain(`Only Tollgate admins can use "${text === 'advisor' ? 'advisor' : 'advisor price'}"`);
      expect(r.text).toContain('Sub Scriber');
    }
    for (const verb of ['advisor.switch', 'advisor.confirm', 'refresh.advisor', 'advisor.cancel']) {
      const r = await click(verb, { user: USERS.ppm, to: 'subscription', months: '3' }, organizer);
      expect([verb, r.text]).toEqual([verb, expect.stringContaining('Only Tollgate admins can use "advisor"')]);
      expect(r.text).not.toContain('$');
    }
    expect((await userRow(T, USERS.ppm)).licenses).toBe('MCOMEETACPEA');
    expect(await pool(T)).toBe(1);
    const prices = (await listAudit(store.db, T)).filter((e) => e.action === 'advisor.price.set');
    expect(prices).toHaveLength(1);
    expect((await say('help', admin)).text).toContain('advisor [<months> months]');
    expect((await say('help', organizer)).text).not.toContain('advisor [');
  });

  it("ignores a tenant named in the button's data, and refuses buttons that name nothing it can switch", async () => {
    const other = `${T}-other`;
    await setUpTenant(store, { poolLicenses: 1 }, other);
    await say('advisor price 2', admin);
    const done = await click('advisor.confirm', { tenantId: other, tenant: other, user: USERS.sub, to: 'ppm', months: '3' }, admin);
    expect(done.text).toContain('License of Sub Scriber changed');
    expect((await userRow(T, USERS.sub)).licenses).toBe('MCOPSTNPP;MCOMEETACPEA');
    expect((await userRow(other, USERS.sub)).licenses).toBe('MCOMEETADV;MCOPSTNPP');
    expect(await pool(other)).toBe(1);
    expect(await pool(T)).toBe(0);

    const bad = [
      [{ user: USERS.ppm, to: 'none' }, 'It names no license I can switch to.'],
      [{ user: 'someone-else', to: 'ppm' }, 'It names a user this organization does not have.'],
      [{ user: USERS.none, to: 'subscription' }, 'The advisor does not move No License'],
      [{ to: 'ppm' }, 'It names a user this organization does not have.'],
    ] as const;
    for (const [data, problem] of bad) {
      for (const verb of ['advisor.switch', 'advisor.confirm']) {
        const r = await click(verb, { ...data, months: '3' }, admin);
        expectValidCard(r.card);
        expect([verb, r.text]).toEqual([verb, expect.stringContaining(problem)]);
        expect(r.text).toContain('Nothing was changed.');
      }
    }
    expect((await userRow(T, USERS.none)).licenses).toBe('');
    // The confirmation step re-checks the advice: a switch still recommended is offered, one no longer is not.
    const still = await click('advisor.switch', { user: USERS.subNoCredits, to: 'ppm', months: '1' }, admin);
    expect(still.text).toContain('Switch No Credits to pay-per-minute?');
    await tollgate.directory.setLicense(T, USERS.ppm, 'subscription', true, ADMIN);
    const ppmNow = await click('advisor.switch', { user: USERS.ppm, to: 'ppm', months: '3' }, admin);
    expect(ppmNow.text).toContain('That recommendation has changed');
    expect(ppmNow.text).toContain('Moving Pay PerMinute to pay-per-minute no longer saves anything on the calls of the last 3 months. Nothing was changed.');
  });
});
