import { authorizeCall } from '../../src/authorization/authorize-call';
import { FRAUD_INCIDENT_NOTICE } from '../../src/fraud/fraud-guard';
import type { Store } from '../../src/store/database';
import { listBlockList, listIncidents } from '../../src/store/fraud-store';
import type { Tollgate } from '../../src/tollgate';
import { cardText as visibleText, executeActions } from '../bot/cards/card-check';
import { expectValidCard } from '../bot/cards/expect-valid-card';
import { createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, leg, NUMBERS, setUpTenant, USERS } from '../support/fixtures';
import { FRAUD_NUMBERS, setUpFraudTenant } from './support';

const admin: Person = { aadObjectId: USERS.addon, teamsId: '29:addon', name: 'Add On' };
const organizer: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const otherAdmin: Person = { aadObjectId: 'b-admin', teamsId: '29:b-admin', name: 'Other Tenant Admin' };

describeEachEngine('toll-fraud incidents in Teams', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;
  let incidentId: string;
  // One database per engine; every test gets a tenant of its own in it (and says so in every activity).
  let T = '';
  let tenants = 0;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup());

  beforeEach(async () => {
    tenants += 1;
    T = `tenant-${tenants}`;
    ({ tollgate } = await setUpFraudTenant(store, {}, T));
    h = createHarness(tollgate, { adminNoticeRenderers: { [FRAUD_INCIDENT_NOTICE]: (t, key, ctx) => h.bot.commands.fraud.incidentCard(t, key, ctx) } });
    // The admin has a personal chat with Tollgate: the incident card can reach them.
    await h.say('help', admin, { tenantId: T });
    const r = await tollgate.intake.ingest(T, [
      leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z', conferenceId: 'conf-a' }),
      leg({ number: FRAUD_NUMBERS.ukPremium(1), seconds: 1200, start: '2026-11-10T16:05:00Z', conferenceId: 'conf-a' }),
    ]);
    expect(r.ok).toBe(true);
    incidentId = (await listIncidents(store.db, T, ['open']))[0]!.id;
  });

  const one = async (text: string, from: Person, tenantId = T) => {
    const replies = await h.say(text, from, { tenantId });
    expect(replies).toHaveLength(1);
    expectValidCard(replies[0]!.card);
    return replies[0]!;
  };
  const click = (verb: string, data: Record<string, unknown>, from: Person, tenantId = T) => h.execute(verb, data, from, { tenantId });

  it('sends every admin the incident card proactively: what happened, who, the meetings, the cost so far, the decisions', async () => {
    await h.worker.drain();
    const mine = () => h.adapter.proactive.filter((p) => p.reference.conversation?.tenantId === T);
    expect(mine()).toHaveLength(1);
    const sent = mine()[0]!;
    expect(sent.reference.conversation?.id).toBe(`personal-${USERS.addon}`);
    const card = sent.activity.attachments?.[0]?.content as Record<string, unknown>;
    expectValidCard(card);
    const text = visibleText(card);
    expect(text).toContain('Suspected toll fraud');
    expect(text).toContain('Calls to a high-cost destination');
    expect(text).toContain('2 dial-outs (30 min) to numbers starting +449 at $1.50/min, above the $1.00/min rate ceiling.');
    expect(text).toContain('Sub Scriber (sub@contoso.example)');
    expect(text).toContain('$45.00');
    expect(text).toContain('Meeting conf-a');
    const verbs = executeActions(card).map((a) => [a.verb, a.data]);
    expect(verbs).toEqual(
      expect.arrayContaining([
        ['fraud.restrict', { incidentId }],
        ['fraud.block', { incidentId }],
        ['fraud.dismiss', { incidentId }],
        ['fraud.incident', { incidentId }],
      ]),
    );
    // Delivered once: a second pass sends nothing.
    await h.worker.drain();
    expect(mine()).toHaveLength(1);
  });

  it('lists open incidents for admins; everyone else is refused', async () => {
    const list = await one('incidents', admin);
    expect(list.text).toContain('1 open incident');
    expect(list.text).toContain('Calls to a high-cost destination');
    expect(list.text).toContain('Blocking is off');
    expect(executeActions(list.card).some((a) => a.verb === 'fraud.incident' && (a.data as { incidentId: string }).incidentId === incidentId)).toBe(true);
    expect((await one('/incidents', organizer)).text).toContain('Only Tollgate admins can use "incidents"');
    expect((await one('fraud settings', organizer)).text).toContain('Only Tollgate admins can use "fraud"');
  });

  it('restrict, then block, from the card: each audited, the card redrawn with what was done', async () => {
    const restricted = await click('fraud.restrict', { incidentId }, admin);
    expectValidCard(restricted.card);
    expect(restricted.text).toContain("Restricted: Sub Scriber's dial-out policy is now DialoutCPCDomesticPSTNInternational (was DialoutCPCandPSTNInternational, the global policy).");
    expect(restricted.text).toContain('RESOLVED: ORGANIZER RESTRICTED');
    expect(executeActions(restricted.card).map((a) => a.verb)).not.toContain('fraud.restrict');
    expect((await tollgate.directory.user(T, USERS.sub))?.dial_out_policy).toBe('DialoutCPCDomesticPSTNInternational');

    const blocked = await click('fraud.block', { incidentId }, admin);
    expect(blocked.text).toContain('Blocked numbers starting +449: Tollgate refuses dial-outs to it.');
    expect((await listBlockList(store.db, T)).map((b) => [b.target, b.added_by, b.incident_id])).toEqual([['+449', USERS.addon, incidentId]]);
    const audit = await store.db.selectFrom('audit_log').select(['actor', 'action']).where('tenant_id', '=', T).where('action', 'like', 'fraud.%').orderBy('at').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['fraud.incident.block', 'fraud.incident.restrict']);
    expect(audit.every((a) => a.actor === USERS.addon)).toBe(true);
    // The organizer's next premium dial-out is refused: the block list, whatever the blocking switch says.
    expect(await authorizeCall(store, tollgate.clock, T, { organizerId: USERS.addon, callType: 'conf_out', number: FRAUD_NUMBERS.ukPremium(9) })).toMatchObject({
      ok: true,
      value: { allowed: false, reason: 'destination_blocked' },
    });
  });

  it('dismiss closes it; a second dismiss changes nothing and says so', async () => {
    const dismissed = await click('fraud.dismiss', { incidentId }, admin);
    expectValidCard(dismissed.card);
    expect(dismissed.text).toContain('Dismissed: these calls are marked as not fraud and stay quiet.');
    expect(dismissed.text).toContain('DISMISSED');
    // No more Dismiss; Restrict and Block stay, in case the admin thinks again.
    expect(executeActions(dismissed.card).map((a) => a.verb)).toEqual(['fraud.incident', 'show.meeting', 'fraud.restrict', 'fraud.block', 'fraud.incident']);
    const again = await click('fraud.dismiss', { incidentId }, admin);
    expect(again.text).toContain('Nothing changed: This incident is already dismissed');
    expect((await one('incidents', admin)).text).toContain('No open incidents');
  });

  it("refuses the card's buttons to a non-admin, and to another tenant's admin (the tenant is the activity's): nothing changes", async () => {
    const refused = await click('fraud.block', { incidentId }, organizer);
    expect(refused.text).toContain('Only Tollgate admins can use "fraud"');
    const other = `${T}-other`;
    await setUpTenant(store, {}, other);
    await tollgate.directory.importUsersCsv(other, 'aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn\nb-admin,admin@b.example,Other Tenant Admin,US,,,true\n', ADMIN);
    await tollgate.directory.setAdmin(other, 'b-admin', true, ADMIN);
    const foreign = await click('fraud.dismiss', { incidentId, tenantId: T }, otherAdmin, other);
    expect(foreign.text).toContain(`There is no incident ${incidentId} in this organization`);
    expect((await listIncidents(store.db, T, ['open'])).map((i) => i.id)).toEqual([incidentId]);
    expect(await listBlockList(store.db, T)).toEqual([]);
  });

  it('fraud settings, blocking on, set and unblock: the settings card says what changed; bad input says how', async () => {
    const settings = await one('fraud settings', admin);
    expect(settings.text).toContain('Blocking is off');
    expect(settings.text).toContain('rate-ceiling');
    expect(settings.text).toContain('$1.00/min');
    expect(settings.text).toContain('United States: America/Chicago');

    expect((await one('fraud blocking on', admin)).text).toContain('Blocking is now on');
    const night = await one('fraud set night-hours 22-6', admin);
    expect(night.text).toContain('night-hours: 01:00 to 05:00 → 22:00 to 06:00');
    expect(night.text).toContain('22:00 to 06:00 (changed)');
    expect((await one('fraud set timezone US America/Los_Angeles', admin)).text).toContain('timezone US: America/Chicago → America/Los_Angeles');
    const bad = await one('fraud set rate-ceiling cheap', admin);
    expect(bad.text).toContain('rate-ceiling:');
    expect(bad.text).toContain('fraud set <setting> <value>');
    expect((await one('fraud set colour blue', admin)).text).toContain('"colour" is not a fraud setting');
    expect((await one('fraud blocking maybe', admin)).text).toContain('fraud blocking takes on or off');

    expect((await one('fraud block NG', admin)).text).toContain('Blocked Nigeria (NG).');
    expect((await one('fraud unblock ng', admin)).text).toContain('Unblocked Nigeria (NG).');
    expect((await one('fraud unblock +449', admin)).text).toContain('+449 is not on the block list: nothing changed.');

    const audit = await store.db.selectFrom('audit_log').select(['action', 'detail']).where('tenant_id', '=', T).where('action', 'like', 'fraud.%').orderBy('at').execute();
    expect(audit.map((a) => a.action)).toEqual(['fraud.blocking', 'fraud.settings', 'fraud.settings', 'fraud.block', 'fraud.unblock']);
    // Blocking on now refuses the premium dial-out in real time.
    expect(await authorizeCall(store, tollgate.clock, T, { organizerId: USERS.sub, callType: 'conf_out', number: FRAUD_NUMBERS.ukPremium(3) })).toMatchObject({
      ok: true,
      value: { allowed: false, reason: 'suspected_toll_fraud' },
    });
    expect(await authorizeCall(store, tollgate.clock, T, { organizerId: USERS.sub, callType: 'conf_out', number: NUMBERS.usLandline })).toMatchObject({ ok: true, value: { allowed: true } });
  });

  it('shows one incident by id, and says so for an id it does not know', async () => {
    const shown = await one(`fraud incident ${incidentId}`, admin);
    expect(shown.text).toContain('Calls to a high-cost destination');
    expect((await one('fraud incident 00000000-0000-0000-0000-000000000000', admin)).text).toContain('There is no incident 00000000-0000-0000-0000-000000000000');
  });
});
