import type { Activity } from 'botbuilder';
import type { Store } from '../../../src/store/database';
import { findPersonalConversation } from '../../../src/store/bot-store';
import { CONVERSATION_REF_REFRESH_MS } from '../../../src/bot/conversation-refs';
import type { FixedClock } from '../../../src/time/clock';
import type { Tollgate } from '../../../src/tollgate';
import { describeEachEngine, freshStore } from '../../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../../support/fixtures';
import { createHarness, type Harness, type Person } from '../support/bot-harness';

const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };
const stranger: Person = { aadObjectId: 'not-imported', teamsId: '29:stranger', name: 'Stranger' };

describeEachEngine('bot commands', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    await tollgate.intake.ingest(T, [
      leg({ id: 'm1-a', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-ppm', start: '2026-11-10T09:00:00Z' }),
      leg({ id: 'm1-b', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-ppm', start: '2026-11-10T09:00:00Z' }),
      leg({ id: 'm2-a', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 1800, conferenceId: 'conf-sub', start: '2026-11-12T15:00:00Z' }),
    ]);
    h = createHarness(tollgate);
  });
  afterEach(async () => cleanup());

  const one = async (text: string, from: Person, o?: Parameters<Harness['say']>[2]) => {
    const replies = await h.say(text, from, o);
    expect(replies).toHaveLength(1);
    return replies[0]!;
  };
  const statement = async () => (await tollgate.ledger.statement(T)).map((e) => [e.kind, e.amount_micros]);
  const auditCount = async () => Number((await store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', T).executeTakeFirstOrThrow()).n);

  it('answers help, with admin commands for admins only', async () => {
    const forAdmin = await one('help', admin);
    const forOrganizer = await one('/HELP', organizer);
    expect(forAdmin.text).toMatch(/credits add/);
    expect(forOrganizer.text).toMatch(/balance/);
    expect(forOrganizer.text).not.toMatch(/credits add/);
  });

  it('shows the balance card with month-to-date spend and the pool', async () => {
    const r = await one('balance', organizer);
    // 100 - (10 min DE dial-out 0.60 + 5 min DE dial-in 0.20) = 99.20
    expect(r.text).toContain('$99.20');
    expect(r.text).toMatch(/30 of 120 min/);
    expect(r.card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', refresh: { action: { type: 'Action.Execute', verb: 'refresh.balance' } } });
    // The same answer to a plain question, and in a group chat with the bot @mentioned.
    expect((await one("what's our balance?", organizer)).text).toContain('$99.20');
    const inGroup = await one('<at>Tollgate</at> balance', organizer, {
      conversationType: 'groupChat',
      conversationId: 'group-1',
      entities: [{ type: 'mention', text: '<at>Tollgate</at>', mentioned: { id: '28:tollgate-bot', name: 'Tollgate' } }],
    });
    expect(inGroup.text).toContain('$99.20');
  });

  it('refreshes the balance card in place through Action.Execute', async () => {
    await tollgate.ledger.fund(T, 5_000_000, ADMIN);
    const r = await h.execute('refresh.balance', {}, organizer);
    expect(r.text).toContain('$104.20');
  });

  it('shows usage for this month, last month and a given month', async () => {
    const r = await one('usage', admin);
    expect(r.text).toContain('$0.80');
    expect(r.text).toMatch(/Germany/);
    const last = await one('usage last month', admin);
    expect(last.text).toMatch(/October 2026/);
    expect((await one('usage 2026-11', admin)).text).toContain('$0.80');
    expect((await one('how much did we spend last month', admin)).text).toMatch(/October 2026/);
  });

  it('shows organizers their own meetings and admins all of them', async () => {
    const mine = await one('meetings', organizer);
    expect(mine.text).toContain('conf-ppm');
    expect(mine.text).not.toContain('conf-sub');
    const all = await one('meetings', admin);
    expect(all.text).toContain('conf-ppm');
    expect(all.text).toContain('conf-sub');
  });

  it('shows a meeting cost card, masking numbers for non-admins', async () => {
    const last = await one('meeting last', organizer);
    expect(last.text).toContain('conf-ppm');
    expect(last.text).toContain('$0.80');
    expect(last.text).toMatch(/•/);
    expect(last.text).not.toContain('+4930123456');
    const asAdmin = await one('meeting conf-ppm', admin);
    expect(asAdmin.text).toMatch(/\+49 30 123456|\+4930123456/);
    // Someone else's meeting is invisible to an organizer, by text and by card action alike.
    const other = await one('meeting conf-sub', organizer);
    expect(other.text).toMatch(/no meeting conf-sub that you organized/i);
    const viaButton = await h.execute('show.meeting', { conferenceId: 'conf-sub' }, organizer);
    expect(viaButton.text).toMatch(/no meeting conf-sub that you organized/i);
    expect((await one('how much did my last meeting cost', organizer)).text).toContain('conf-ppm');
  });

  it('shows rates for a country, an ISO code and a number, and says what is wrong with a bad one', async () => {
    const de = await one('rates Germany', organizer);
    expect(de.text).toContain('$0.06');
    expect(de.text).toMatch(/Germany/);
    expect((await one('rates DE', organizer)).text).toContain('$0.06');
    expect((await one(`rates ${NUMBERS.deMobile}`, organizer)).text).toContain('$0.25');
    expect((await one('what does it cost to call Germany', organizer)).text).toContain('$0.06');
    expect((await one('can I dial out to Germany', organizer)).text).toMatch(/Germany/);
    const bad = await one('rates +1555', organizer);
    expect(bad.text).toMatch(/not a valid phone number/);
    expect((await one('rates', organizer)).text).toMatch(/rates <country/);
  });

  it("shows the caller's own policy, and another user's to admins only", async () => {
    const mine = await one('policy', organizer);
    expect(mine.text).toMatch(/DialoutCPCDomesticPSTNInternational|own country/i);
    const mention = { type: 'mention', text: '<at>Pay PerMinute</at>', mentioned: { id: '29:ppm', name: 'Pay PerMinute', aadObjectId: USERS.ppm } };
    const byAdmin = await one('policy <at>Pay PerMinute</at>', admin, { entities: [mention] });
    expect(byAdmin.text).toMatch(/Pay PerMinute/);
    const byOrganizer = await one('policy <at>Sub Scriber</at>', organizer, { entities: [{ type: 'mention', text: '<at>Sub Scriber</at>', mentioned: { id: '29:sub', name: 'Sub Scriber', aadObjectId: USERS.sub } }] });
    expect(byOrganizer.text).toMatch(/admin/i);
  });

  it('lets an admin add credits, audited, by command and by form', async () => {
    const r = await one('credits add 200', admin);
    expect(r.text).toContain('$200.00');
    expect(r.text).toContain('$299.20');
    const form = await one('credits', admin);
    expect(JSON.stringify(form.card)).toContain('credits.add');
    const viaForm = await h.execute('credits.add', { amount: '12.50', memo: 'PO 9' }, admin);
    expect(viaForm.text).toContain('$311.70');
    const bad = await h.execute('credits.add', { amount: '12,50' }, admin);
    expect(bad.text).toMatch(/12,50/);
    const entries = await tollgate.ledger.statement(T);
    expect(entries.slice(-2).map((e) => [e.kind, e.amount_micros, e.actor])).toEqual([
      ['funding', 200_000_000, USERS.sub],
      ['funding', 12_500_000, USERS.sub],
    ]);
  });

  it('lets an admin set and clear auto-recharge, policies, licenses, toll-free, admins and alerts', async () => {
    expect((await one('autorecharge on 50 200', admin)).text).toContain('$50.00');
    let b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.autoRecharge).toMatchObject({ enabled: true, triggerMicros: 50_000_000, amountMicros: 200_000_000 });
    await one('autorecharge off', admin);
    b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.autoRecharge.enabled).toBe(false);

    await one('policy set global DialoutCPCZoneAPSTNDomestic', admin);
    expect((await tollgate.directory.tenant(T))?.global_dial_out_policy).toBe('DialoutCPCZoneAPSTNDomestic');
    const mention = { type: 'mention', text: '<at>Pay PerMinute</at>', mentioned: { id: '29:ppm', name: 'Pay PerMinute', aadObjectId: USERS.ppm } };
    await one('policy set <at>Pay PerMinute</at> DialoutCPCandPSTNDisabled', admin, { entities: [mention] });
    expect((await tollgate.directory.user(T, USERS.ppm))?.dial_out_policy).toBe('DialoutCPCandPSTNDisabled');
    expect(JSON.stringify((await one('policy set', admin)).card)).toContain('Input.ChoiceSet');

    await one('license ppm@contoso.example subscription +credits', admin);
    expect((await tollgate.directory.user(T, USERS.ppm))?.licenses.split(';').sort()).toEqual(['MCOMEETADV', 'MCOPSTNPP']);
    await one('tollfree ppm@contoso.example off', admin);
    expect((await tollgate.directory.user(T, USERS.ppm))?.toll_free_dial_in).toBe(0);
    await one('admins add ppm@contoso.example', admin);
    expect((await tollgate.directory.user(T, USERS.ppm))?.is_admin).toBe(1);
    await one('admins remove ppm@contoso.example', admin);
    expect((await tollgate.directory.user(T, USERS.ppm))?.is_admin).toBe(0);
    const last = await one('admins remove sub@contoso.example', admin);
    expect(last.text).toMatch(/last Tollgate admin/);
    await one('alerts low-balance 25', admin);
    expect(Number((await tollgate.directory.tenant(T))?.low_balance_alert_micros)).toBe(25_000_000);
    const actions = await store.db.selectFrom('audit_log').select('action').where('tenant_id', '=', T).where('actor', '=', USERS.sub).execute();
    expect(new Set(actions.map((a) => a.action))).toEqual(new Set(['autorecharge.on', 'autorecharge.off', 'policy.set', 'license.set', 'tollfree.set', 'admins.add', 'admins.remove', 'alerts.low-balance']));
  });

  it.each([
    'credits add 200',
    'credits',
    'autorecharge on 50 200',
    'autorecharge off',
    'policy set global DialoutCPCandPSTNDisabled',
    'policy set',
    'license sub@contoso.example none',
    'tollfree sub@contoso.example off',
    'admins add ppm@contoso.example',
    'admins remove sub@contoso.example',
    'alerts low-balance 10',
  ])('refuses "%s" to a non-admin and changes nothing', async (text) => {
    const before = { statement: await statement(), audit: await auditCount(), tenant: await tollgate.directory.tenant(T), users: await store.db.selectFrom('users').selectAll().where('tenant_id', '=', T).orderBy('aad_object_id').execute() };
    const r = await one(text, organizer);
    expect(r.text).toMatch(/admin/i);
    expect(r.text).toMatch(/nothing was changed|not changed|no changes/i);
    expect(await statement()).toEqual(before.statement);
    expect(await auditCount()).toBe(before.audit);
    expect(await tollgate.directory.tenant(T)).toEqual(before.tenant);
    expect(await store.db.selectFrom('users').selectAll().where('tenant_id', '=', T).orderBy('aad_object_id').execute()).toEqual(before.users);
  });

  it('refuses admin card actions to non-admins too', async () => {
    const before = await statement();
    const r = await h.execute('credits.add', { amount: '500' }, organizer);
    expect(r.text).toMatch(/admin/i);
    expect(await statement()).toEqual(before);
  });

  it.each([
    ['frobnicate the widgets', /didn't understand|not something I know/i],
    ['credits add twelve', /twelve/],
    ['credits add -5', /./],
    ['policy set global DialoutEverywhere', /DialoutEverywhere/],
    ['usage 2026-13', /2026-13/],
    ['license @nobody ppm', /./],
  ])('answers bad input "%s" with a helpful card, never a stack trace', async (text, pattern) => {
    const r = await one(text, admin);
    expect(r.text).toMatch(pattern);
    expect(r.text).not.toMatch(/at Object\.|Error:|undefined/);
    expect(r.card).toMatchObject({ type: 'AdaptiveCard' });
  });

  it('tells an admin when a mentioned or named user is unknown', async () => {
    const r = await one('tollfree ghost@contoso.example on', admin);
    expect(r.text).toMatch(/don't know ghost@contoso.example/);
  });

  it('treats a user Tollgate has not imported as a non-admin organizer with no meetings', async () => {
    expect((await one('balance', stranger)).text).toContain('$99.20');
    expect((await one('meetings', stranger)).text).not.toContain('conf-');
    expect((await one('credits add 5', stranger)).text).toMatch(/admin/i);
  });

  it('makes TOLLGATE_ADMINS admins in every tenant', async () => {
    const boot = createHarness(tollgate, { bootstrapAdmins: ['not-imported'] });
    const r = await boot.say('credits add 1', stranger);
    expect(r[0]!.text).toContain('$100.20');
  });

  it('greets a tenant it has never seen with the onboarding card, and changes nothing', async () => {
    const r = await one('balance', stranger, { tenantId: 'tenant-new' });
    expect(r.text).toMatch(/tollgate tenant init/);
    expect(await tollgate.directory.tenant('tenant-new')).toBeUndefined();
  });

  it('keeps tenants apart: a user of tenant B never sees tenant A’s figures, by text or by card action', async () => {
    await setUpTenant(store, { fund: '7' }, 'tenant-b');
    await tollgate.directory.setAdmin('tenant-b', USERS.sub, true, ADMIN);
    const bAdmin = { ...admin };
    const balance = await one('balance', bAdmin, { tenantId: 'tenant-b' });
    expect(balance.text).toContain('$7.00');
    expect(balance.text).not.toContain('$99.20');
    expect((await one('meetings', bAdmin, { tenantId: 'tenant-b' })).text).not.toContain('conf-ppm');
    const peek = await h.execute('show.meeting', { conferenceId: 'conf-ppm', tenantId: T }, bAdmin, { tenantId: 'tenant-b' });
    expect(peek.text).not.toContain('$0.80');
    expect(peek.text).toMatch(/no meeting conf-ppm/i);
    await one('credits add 3', bAdmin, { tenantId: 'tenant-b' });
    const a = await tollgate.ledger.balance(T);
    expect(a.ok && a.value.balanceMicros).toBe(99_200_000);
  });

  it('stores the conversation reference of every conversation it hears from', async () => {
    await one('help', organizer);
    await one('help', organizer, { conversationType: 'channel', conversationId: '19:channel@thread.tacv2' });
    const refs = await store.db.selectFrom('conversation_refs').selectAll().where('tenant_id', '=', T).orderBy('conversation_id').execute();
    expect(refs.map((r) => [r.conversation_id, r.conversation_type, r.user_id])).toEqual([
      ['19:channel@thread.tacv2', 'channel', null],
      [`personal-${USERS.ppm}`, 'personal', USERS.ppm],
    ]);
    expect(JSON.parse(refs[1]!.reference)).toMatchObject({ conversation: { id: `personal-${USERS.ppm}` }, serviceUrl: 'https://smba.example.invalid/' });
  });

  it('shows the balance without the tenant lock while no funds are due to expire, and expires them once due', async () => {
    const clock = tollgate.clock as FixedClock;
    const locks = jest.spyOn(store, 'inTenantTransaction');
    expect((await one('balance', organizer)).text).toContain('$99.20');
    expect(locks).not.toHaveBeenCalled();
    // The $100 bought on 2026-11-15 expire 12 months later: what is left of them goes, once.
    clock.set(new Date('2027-11-16T12:00:00Z'));
    expect((await one('balance', organizer)).text).toContain('$0.00');
    expect(locks).toHaveBeenCalledTimes(1);
    expect((await one('balance', organizer)).text).toContain('$0.00');
    expect(locks).toHaveBeenCalledTimes(1);
    expect((await statement()).filter(([kind]) => kind === 'expiry')).toEqual([['expiry', -99_200_000]]);
  });

  it('writes a conversation reference when it is new, changed or a day old, not on every turn', async () => {
    const clock = tollgate.clock as FixedClock;
    const stored = async (conversationId: string) =>
      store.db.selectFrom('conversation_refs').selectAll().where('tenant_id', '=', T).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
    const personal = `personal-${USERS.ppm}`;
    await one('help', organizer);
    const first = await stored(personal);
    // The same conversation again, another message id: nothing to write.
    clock.advance(60_000);
    await one('balance', organizer);
    expect(await stored(personal)).toEqual(first);
    // The service URL moved (Teams does that between regions): written.
    clock.advance(60_000);
    await h.send({ ...messageFrom(organizer, personal), serviceUrl: 'https://smba.other.invalid/' });
    const moved = await stored(personal);
    expect(JSON.parse(moved.reference)).toMatchObject({ serviceUrl: 'https://smba.other.invalid/' });
    expect(moved.updated_at).not.toBe(first.updated_at);
    // A second personal chat is new: cards go there. Back to the first, it is the latest again within a day.
    clock.advance(60_000);
    await one('help', organizer, { conversationId: 'personal-2' });
    expect((await findPersonalConversation(store.db, T, USERS.ppm))?.conversation_id).toBe('personal-2');
    clock.advance(CONVERSATION_REF_REFRESH_MS);
    await h.send({ ...messageFrom(organizer, personal), serviceUrl: 'https://smba.other.invalid/' });
    expect((await findPersonalConversation(store.db, T, USERS.ppm))?.conversation_id).toBe(personal);
  });
});

function messageFrom(from: Person, conversationId: string): Partial<Activity> {
  return {
    type: 'message',
    text: 'help',
    channelId: 'msteams',
    serviceUrl: 'https://smba.example.invalid/',
    from: { id: from.teamsId, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
    conversation: { id: conversationId, tenantId: T, conversationType: 'personal', isGroup: false, name: '' },
    channelData: { tenant: { id: T } },
    locale: 'en-US',
  };
}

describeEachEngine('bot card refresh of a usage period', (engine) => {
  it('refreshes the same period the card showed, and falls back to this month for odd data', async () => {
    const { store, cleanup } = await freshStore(engine);
    try {
      const { tollgate } = await setUpTenant(store, { fund: '100' });
      await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
      await tollgate.intake.ingest(T, [
        leg({ id: 'old', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, start: '2026-10-20T09:00:00Z' }),
        leg({ id: 'new', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-10T09:00:00Z' }),
      ]);
      const h = createHarness(tollgate);
      const week = await h.execute('refresh.usage', { from: '2026-10-15T00:00:00.000Z', to: '2026-10-22T00:00:00.000Z', label: 'Oct 15 – 21' }, admin);
      expect(week.text).toContain('$0.60');
      expect(week.text).toContain('Oct 15 – 21');
      const odd = await h.execute('refresh.usage', { from: 'yesterday', to: '2026-10-22T00:00:00.000Z' }, admin);
      expect(odd.text).toContain('$0.06');
      expect(odd.text).not.toContain('$0.60');
    } finally {
      await cleanup();
    }
  });
});
