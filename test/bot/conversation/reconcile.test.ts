import type { Store } from '../../../src/store/database';
import type { Tollgate } from '../../../src/tollgate';
import { MONTH_OF_LEGS } from '../../reconciliation/support';
import { describeEachEngine, freshStore } from '../../support/engines';
import { ADMIN, T, USERS, setUpTenant } from '../../support/fixtures';
import { expectValidCard } from '../cards/expect-valid-card';
import { createHarness, type Harness, type Person } from '../support/bot-harness';

const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };

describeEachEngine('bot: reconcile and the final meeting cost', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    // The clock stands at 2026-11-15: "this month" is November 2026.
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    await tollgate.intake.ingest(T, MONTH_OF_LEGS);
    h = createHarness(tollgate);
  });
  afterEach(async () => cleanup());

  const one = async (text: string, from: Person) => {
    const replies = await h.say(text, from);
    expect(replies).toHaveLength(1);
    return replies[0]!;
  };

  it("shows an admin this month's reconciliation: totals, causes, meetings and calls that differ", async () => {
    const r = await one('reconcile', admin);
    expectValidCard(r.card);
    expect(r.card).toMatchObject({ refresh: { action: { type: 'Action.Execute', verb: 'refresh.reconcile', data: { month: '2026-11' } }, userIds: ['29:sub'] } });
    expect(r.text).toContain('November 2026');
    expect(r.text).toContain('+$1.37');
    expect(r.text).toContain('DIFFERS');
    expect(r.text).toContain('Tollgate charged\n$2.08');
    expect(r.text).toContain('Microsoft billed\n$3.45');
    expect(r.text).toContain('Calls compared\n13 calls: 8 match, 5 differ');
    expect(r.text).toContain('Not yet reconciled\n1 call ($0.06 by Tollgate\'s rating)');
    expect(r.text).toContain('Rate card differs (1 call)');
    expect(r.text).toContain('License or pool state differs (2 calls)');
    expect(r.text).toContain('Rounding (1 call)');
    expect(r.text).toContain('Currency differs (1 call)');
    expect(r.text).toContain('Meeting conf-pool');
    expect(r.text).toContain("Rate card differs: Microsoft charged $0.07/min for 10 min; Tollgate's rate card has $0.06/min.");
    expect(r.text).toContain('Rounding: Microsoft billed the exact 61 s ($0.06); Tollgate rounded up to 2 min ($0.12).');
    expect(r.text).toContain('License or pool state differs: Tollgate took it from the dial-out minute pool; Microsoft charged $1.50.');
    expect(r.text).toContain('Tollgate $0.60 · Microsoft $0.70');
    // An admin sees full numbers.
    expect(r.text).toMatch(/\+44 20 7946 0958/);
  });

  it('takes last month or a month by name, and refreshes the month it showed', async () => {
    const last = await one('reconcile last month', admin);
    expectValidCard(last.card);
    expect(last.text).toContain('October 2026');
    expect(last.text).toContain('+$0.30');
    expect((await one('/reconcile 2026-10', admin)).text).toContain('October 2026');
    const refreshed = await h.execute('refresh.reconcile', { month: '2026-10' }, admin);
    expect(refreshed.text).toContain('October 2026');
    expect((await h.execute('refresh.reconcile', { month: 'garbage' }, admin)).text).toContain('November 2026');
  });

  it("says so when no call of the month carries Microsoft's charge yet", async () => {
    const r = await one('reconcile 2026-12', admin);
    expectValidCard(r.card);
    expect(r.text).toContain("No call of this month carries Microsoft's charge yet");
    expect(r.text).toContain('NOT YET');
  });

  it('refuses a non-admin, by command and by card action, and tells them whom to ask', async () => {
    const r = await one('reconcile', organizer);
    expectValidCard(r.card);
    expect(r.text).toContain('Only Tollgate admins can use "reconcile"');
    expect(r.text).toContain('Sub Scriber');
    expect(r.text).not.toContain('$1.37');
    const viaButton = await h.execute('refresh.reconcile', { month: '2026-11' }, organizer);
    expect(viaButton.text).toContain('Only Tollgate admins can use "reconcile"');
    expect(viaButton.text).not.toContain('$1.37');
  });

  it('answers a period that is not a calendar month with the right form', async () => {
    const r = await one('reconcile 7d', admin);
    expect(r.text).toContain('"7d" is not a calendar month');
    expect(r.text).toContain('reconcile last month');
  });

  it('lists reconcile in help for admins only', async () => {
    expect((await one('help', admin)).text).toContain('reconcile [this month | last month | YYYY-MM]');
    expect((await one('help', organizer)).text).not.toContain('reconcile [');
  });

  it("shows a meeting's cost as estimated until every call has Microsoft's charge, then final", async () => {
    const open = await one('meeting conf-open', organizer);
    expectValidCard(open.card);
    expect(open.text).toContain('ESTIMATED');
    expect(open.text).not.toContain('FINAL');
    // Microsoft's row for the meeting's last call arrives.
    await store.db.updateTable('legs').set({ ms_charge_micros: 60_000, ms_currency: 'USD' }).where('tenant_id', '=', T).where('id', '=', 'open-2').execute();
    const final = await one('meeting conf-open', organizer);
    expectValidCard(final.card);
    expect(final.text).toContain('FINAL');
    expect(final.text).toContain("Status: final, reconciled with Microsoft's billed call records.");
    expect(final.text).not.toContain('ESTIMATED');
    // The same through the card's own refresh.
    expect((await h.execute('refresh.meeting', { conferenceId: 'conf-open' }, organizer)).text).toContain('FINAL');
    // A meeting whose every call came with Microsoft's charge is final at once, even where the two differ.
    expect((await one('meeting conf-rate', organizer)).text).toContain('FINAL');
  });
});
