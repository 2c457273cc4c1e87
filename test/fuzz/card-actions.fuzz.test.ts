import fc from 'fast-check';
import type { Activity } from 'botbuilder';
import { DIAL_OUT_POLICIES } from '../../src/billing/dial-out-policy';
import { parseAmount } from '../../src/billing/money';
import { MEMO_MAX_LENGTH } from '../../src/bot/cards/credits-form-card';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { cardText, createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { expectValidCardFor } from './support/fuzz-card';
import { changedTables, storeSnapshot } from './support/store-snapshot';
import { UnhandledRejectionTrap } from './support/unhandled-rejections';
import { scaled } from '../support/time-scale';

/**
 * Card actions are the bot's other door: whatever a client puts in an invoke's `value` (Action.Execute) or a
 * message's `value` (Action.Submit), the turn ends with an answer, no promise is left failing, and the store changes
 * only through a valid admin action, audited, in the caller's own tenant.
 */
const B = 'tenant-b';
const adminA: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizerA: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };
const strangerA: Person = { aadObjectId: 'not-imported', teamsId: '29:stranger', name: 'Stranger' };
const adminB: Person = { aadObjectId: USERS.addon, teamsId: '29:addon-b', name: 'Add On' };

const ACTORS: { person: Person; tenantId: string; admin: boolean }[] = [
  { person: adminA, tenantId: T, admin: true },
  { person: organizerA, tenantId: T, admin: false },
  { person: strangerA, tenantId: T, admin: false },
  { person: adminB, tenantId: B, admin: true },
  { person: adminA, tenantId: 'tenant-never-seen', admin: false },
];

const ADMIN_VERBS = ['credits.add', 'autorecharge.set', 'policy.set'];
const KNOWN_VERBS = ['refresh.balance', 'refresh.meetings', 'refresh.meeting', 'show.meeting', 'refresh.usage', 'refresh.reconcile', ...ADMIN_VERBS];

// What people, old cards and attackers put in fields: amounts, ids of this and the other tenant, template and HTML
// syntax, characters databases choke on, and text far longer than any card field.
const nasty = fc.constantFrom(
  '', ' ', '0', '-1', '12.50', '12,50', '1e3', '0x10', 'NaN', 'Infinity', '99999999999999999999', '1000000000', '0.0000001', ' 7 ',
  'global', 'sub@contoso.example', 'ppm@contoso.example', USERS.ppm, 'ghost@contoso.example', 'conf-a', 'conf-b', T, B,
  'DialoutCPCandPSTNDisabled', 'DialoutEverywhere', 'false', 'true', '2026-11', '2026-13', '2026-10-01T00:00:00.000Z', '2026-11-30T00:00:00Z',
  '${amount}', '${$root.tenantId}', '{{x}}', '<at>Sub Scriber</at>', '<script>x</script>', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFFy', '\u202E',
  '__proto__', 'constructor', 'toString', 'x'.repeat(5_000), '💸'.repeat(300),
);
const field = fc.oneof({ weight: 4, arbitrary: nasty }, { weight: 2, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const data = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    amount: field, memo: field, trigger: field, enabled: field, policy: fc.oneof(fc.constantFrom(...DIAL_OUT_POLICIES), field), target: field,
    conferenceId: field, tenantId: field, from: field, to: field, label: field, month: field,
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const verb = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KNOWN_VERBS) }, { weight: 1, arbitrary: nasty }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });

type Payload =
  | { kind: 'execute'; verb: string; data: unknown }
  | { kind: 'invoke'; value: unknown }
  | { kind: 'submit'; value: unknown; text?: string };

const payload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ verb, data }).map(({ verb: v, data: d }): Payload => ({ kind: 'execute', verb: v, data: d })) },
  // Action.Execute-shaped and not: another action type, a verb that is not a string, no action at all.
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ action: fc.record({ type: fc.constantFrom('Action.Execute', 'Action.Submit', 'x'), verb: fc.jsonValue({ maxDepth: 1 }), data }, { requiredKeys: [] }) }),
      )
      .map((value): Payload => ({ kind: 'invoke', value })),
  },
  // Action.Submit: a message whose value is the form's data, with or without text.
  { weight: 2, arbitrary: fc.record({ value: fc.oneof(data, fc.record({ verb, data })), text: fc.option(fc.constantFrom('', 'credits add 5', 'balance', 'meeting conf-a\u0000'), { nil: undefined }) }).map((p): Payload => ({ kind: 'submit', ...p })) },
);

function activityFor(p: Payload, from: Person, tenantId: string): Partial<Activity> {
  const base: Partial<Activity> = {
    channelId: 'msteams',
    serviceUrl: 'https://smba.example.invalid/',
    from: { id: from.teamsId, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
    conversation: { id: `personal-${from.aadObjectId}`, tenantId, conversationType: 'personal', isGroup: false, name: '' },
    channelData: { tenant: { id: tenantId } },
    locale: 'en-US',
  };
  if (p.kind === 'execute') return { ...base, type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: p.verb, data: p.data } } };
  if (p.kind === 'invoke') return { ...base, type: 'invoke', name: 'adaptiveCard/action', value: p.value };
  return { ...base, type: 'message', text: p.text, value: p.value };
}

/** The amount a valid credits.add adds, reading fields as the handler does (text trimmed, numbers as written), else undefined. */
function validCreditsAmount(d: unknown): number | undefined {
  if (d === null || typeof d !== 'object') return undefined;
  const text = (k: string) => {
    const raw = (d as Record<string, unknown>)[k];
    return typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  };
  const parsed = parseAmount(text('amount'));
  return parsed.ok && parsed.micros > 0 && text('memo').length <= MEMO_MAX_LENGTH ? parsed.micros : undefined;
}

describeEachEngine('card actions with arbitrary payloads', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;
  const trap = new UnhandledRejectionTrap();

  beforeAll(async () => {
    trap.install();
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
    await setUpTenant(store, { fund: '7' }, B);
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    await tollgate.directory.setAdmin(B, USERS.addon, true, ADMIN);
    await tollgate.intake.ingest(T, [leg({ id: 'a-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-a' })]);
    await tollgate.intake.ingest(B, [leg({ id: 'b-1', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 120, conferenceId: 'conf-b' })]);
    h = createHarness(tollgate);
  });
  afterAll(async () => {
    trap.uninstall();
    await cleanup();
  });

  it('the trap sees a rejection nobody handled', async () => {
    void Promise.reject(new Error('left alone'));
    expect(await trap.drain()).toEqual([new Error('left alone')]);
  });

  it('every payload gets an answer, leaves no rejection behind, and changes only what a valid admin action may', async () => {
    const balanceOf = async (tenantId: string) => Number((await store.db.selectFrom('tenants').select('balance_micros').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).balance_micros);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ACTORS), payload, async (actor, p) => {
        const others = ACTORS.map((a) => a.tenantId).filter((t) => t !== actor.tenantId);
        const before = await storeSnapshot(store);
        const balanceBefore = actor.admin ? await balanceOf(actor.tenantId) : 0;

        const replies = await h.send(activityFor(p, actor.person, actor.tenantId));
        const input = JSON.stringify(p);

        // An answer, never the turn-error fallback (a handler that threw) and never an invalid or oversized card.
        for (const r of replies) {
          expect(typeof r.text === 'string' ? r.text : '').not.toMatch(/something went wrong/i);
          if (r.type === 'message' && r.attachments?.length) expectValidCardFor(r.attachments[0]!.content, input);
        }
        if (p.kind === 'execute') {
          const invoke = replies.find((a) => a.type === 'invokeResponse');
          const body = (invoke?.value as { status?: number; body?: { value?: unknown } } | undefined);
          expect(body?.status).toBe(200);
          if (typeof body?.body?.value === 'object') expectValidCardFor(body.body.value, input);
          else expect(typeof body?.body?.value).toBe('string');
        }
        if (p.kind === 'submit') expect(replies.filter((r) => r.type === 'message')).toHaveLength(1);
        expect(await trap.drain()).toEqual([]);

        // Other tenants never change; the caller's tenant only by a valid admin action, and then with an audit entry.
        const after = await storeSnapshot(store);
        for (const other of others) expect(storeSnapshotOf(after, other)).toEqual(storeSnapshotOf(before, other));
        const changed = changedTables(before, after);
        // A form's value is never a command; the text beside it is one, like any message.
        const typedCredits = p.kind === 'submit' && p.text === 'credits add 5';
        const adminAction = actor.admin && ((p.kind === 'execute' && ADMIN_VERBS.includes(p.verb)) || typedCredits);
        if (!adminAction) {
          expect(changed).toEqual([]);
          return;
        }
        if (changed.length > 0) expect(changed).toContain('audit_log');
        if (typedCredits || (p.kind === 'execute' && p.verb === 'credits.add')) {
          const micros = typedCredits ? 5_000_000 : validCreditsAmount((p as { data: unknown }).data);
          expect(await balanceOf(actor.tenantId)).toBe(balanceBefore + (micros ?? 0));
          if (micros === undefined) expect(changed).toEqual([]);
        }
        const invariant = await tollgate.ledger.checkInvariant(actor.tenantId);
        expect(invariant?.ok).toBe(true);
      }),
      {
        seed: 20261115,
        numRuns: engine === 'sqlite' ? 200 : 80,
        // Found by earlier runs, kept so every run tries them first.
        examples: [
          [ACTORS[1]!, { kind: 'execute', verb: 'show.meeting', data: { conferenceId: 'conf-a\u0000' } }],
          [ACTORS[0]!, { kind: 'execute', verb: 'credits.add', data: { amount: '5', memo: 'PO \u0000 7' } }],
          [ACTORS[0]!, { kind: 'execute', verb: 'credits.add', data: { amount: '5', memo: 'PO \uD800 7' } }],
          [ACTORS[0]!, { kind: 'execute', verb: 'credits.add', data: { amount: '5', memo: 'm'.repeat(201) } }],
          [ACTORS[0]!, { kind: 'execute', verb: 'policy.set', data: { policy: 'DialoutCPCandPSTNDisabled', target: 'ppm@contoso.example\u0000' } }],
          [ACTORS[1]!, { kind: 'submit', value: {}, text: 'meeting conf-a\u0000' }],
        ],
      },
    );
  }, scaled(60_000));

  it('refuses a memo longer than the form takes, rather than store it and answer with a card Teams cannot show', async () => {
    const before = await storeSnapshot(store);
    const r = await h.execute('credits.add', { amount: '5', memo: 'm'.repeat(40_000) }, adminA);
    expect(r.text).toMatch(/memo is 40000 characters long; keep it to 200/);
    expectValidCardFor(r.card, '');
    expect(await storeSnapshot(store)).toEqual(before);
    const form = await h.say('credits', adminA);
    expect(JSON.stringify(form[0]!.card)).toContain('"maxLength":200');
    const ok = await h.execute('credits.add', { amount: '5', memo: 'm'.repeat(200) }, adminA);
    expect(ok.text).toContain('m'.repeat(200));
  });

  it('answers card data nested 100,000 levels deep, as a field or as the whole of it, and changes nothing', async () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { amount: deep };
    const before = await storeSnapshot(store);
    for (const data of [deep, { amount: deep, memo: deep }, { conferenceId: deep }]) {
      for (const verb of ['credits.add', 'show.meeting']) {
        const replies = await h.send(activityFor({ kind: 'execute', verb, data }, adminA, T));
        const invoke = replies.find((a) => a.type === 'invokeResponse');
        expect((invoke?.value as { status?: number } | undefined)?.status).toBe(200);
        expect(JSON.stringify(invoke).slice(0, 2000)).not.toMatch(/something went wrong/i);
      }
    }
    expect(await storeSnapshot(store)).toEqual(before);
    expect(await trap.drain()).toEqual([]);
  });

  it('answers an activity whose tenant, user or mention ids hold a NUL, and changes nothing', async () => {
    const before = await storeSnapshot(store);
    const nul = { aadObjectId: 'u-sub\u0000', teamsId: '29:sub', name: 'Sub\u0000' };
    const mention = [{ type: 'mention', text: '<at>Pay</at>', mentioned: { id: '29:ppm', name: 'Pay', aadObjectId: 'u-ppm\u0000' } }];
    for (const [text, from, tenantId] of [['balance', adminA, `${T}\u0000`], ['balance', nul, T], ['credits add 5', nul, T], ['policy <at>Pay</at>', adminA, T]] as const) {
      const replies = await h.say(text, from, { tenantId, entities: mention });
      expect(replies.map((r) => r.text).join('\n')).not.toMatch(/something went wrong/i);
      expect(replies.map((r) => r.card.type)).toEqual(['AdaptiveCard']);
    }
    expect(await storeSnapshot(store)).toEqual(before);
  });

  it('answers a message that carries only a form value with the no-text card, whoever sends it', async () => {
    const [reply] = await h.say('', organizerA);
    expect(reply!.text).toMatch(/no text I could read/);
    const withValue = await h.send({ ...activityFor({ kind: 'submit', value: { verb: 'credits.add', data: { amount: '500' } } }, adminA, T) });
    expect(withValue.filter((a) => a.type === 'message').map((a) => cardText(a.attachments?.[0]?.content))).toEqual([expect.stringMatching(/no text I could read/)]);
  });
});

/** The rows of one tenant inside a whole-store snapshot, as storeSnapshot(store, tenant) would give them. */
function storeSnapshotOf(snapshot: Record<string, string[]>, tenantId: string): Record<string, string[]> {
  const marker = JSON.stringify(['tenant_id', tenantId]);
  return Object.fromEntries(Object.entries(snapshot).map(([table, rows]) => [table, rows.filter((r) => r.includes(marker))]));
}
