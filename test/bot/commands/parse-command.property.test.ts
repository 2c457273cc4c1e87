import fc from 'fast-check';
import { DIAL_OUT_POLICIES, type DialOutPolicyName } from '../../../src/billing/dial-out-policy';
import { COMMAND_KINDS, parseCommand, UNKNOWN_TEXT_MAX, type Command, type ReconcilePeriod, type UsagePeriod, type UserRef } from '../../../src/bot/commands/parse-command';

const KINDS: ReadonlySet<string> = new Set(COMMAND_KINDS);

/** What every answer must look like, whatever came in. */
function expectWellFormed(command: Command): void {
  expect(KINDS.has(command.kind)).toBe(true);
  switch (command.kind) {
    case 'invalid':
      expect(command.command.length).toBeGreaterThan(0);
      expect(command.problem.length).toBeGreaterThan(0);
      expect(command.usage.length).toBeGreaterThan(0);
      break;
    case 'unknown':
      expect(typeof command.text).toBe('string');
      expect(command.text.length).toBeLessThanOrEqual(UNKNOWN_TEXT_MAX + 1);
      break;
    case 'credits_add':
    case 'alerts_low_balance':
      expect(Number.isSafeInteger(command.amountMicros) && command.amountMicros >= 0).toBe(true);
      break;
    case 'autorecharge_on':
      expect(Number.isSafeInteger(command.triggerMicros) && Number.isSafeInteger(command.amountMicros)).toBe(true);
      break;
    case 'rates':
      expect(command.query.length).toBeGreaterThan(0);
      break;
    default:
      break;
  }
}

// Pieces of what Teams and people send, to be glued together at random.
const FRAGMENTS = [
  '<at>', '</at>', '<at id="0">', '<at ', '<at>Jonas Becker</at>', '<at></at>', '<p>', '</p>', '<br>', '<div>', '<', '>', '</',
  '&nbsp;', '&amp;', '&lt;at&gt;', '&#57344;', '&#xE001;', '&#99999999;', '&#0;', '&#xD800;', '&#x1F600;', '&', ';', '\uE000', '\uE001',
  '\uE0000\uE001', '/', '?', '!', '.', "'s", '`', 'credits', 'add', 'policy', 'set', 'global', 'autorecharge', 'auto', 'recharge', 'on',
  'off', 'license', 'ppm', '+credits', '-credits', 'tollfree', 'toll', 'free', 'admins', 'remove', 'alerts', 'low-balance', 'low', 'balance',
  'rates', 'usage', 'meeting', 'meetings', 'last', 'month', '7d', '28 days', '2025-13', '2025-03', 'Dialout', 'DialoutCPCandPSTNDomestic',
  'tag:', '0', '12.50', '1 000', '-5', '1e3', '99999999999999999999', '+4930', 'Germany', 'the UK', 'us', 'what', 'is', 'my', "what's",
  'how much', 'cost', 'can I dial out to', 'please', 'hi', 'tell me', '\u200B', '\u00A0', '\u3000', 'ｃｒｅｄｉｔｓ', '😀', 'İ', 'ß', '\u0301',
  'jonas@contoso.example', '00000000-0000-0000-0000-00000000a003', '@Jonas',
  'constructor', '__proto__', 'toString', '&constructor;', '&proto;',
];

const glued = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'grapheme', maxLength: 6 })), fc.constantFrom(' ', '', '\n', '&nbsp;')), {
    maxLength: 40,
  })
  .map((parts) => parts.map(([text, sep]) => text + sep).join(''));

const loneSurrogates = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 });

describe('parseCommand is total', () => {
  it('never throws and always answers a kind from the union (arbitrary unicode)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), loneSurrogates), (text) => {
        expectWellFormed(parseCommand(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on glued-together commands, HTML, entities and <at> fragments', () => {
    fc.assert(
      fc.property(glued, fc.boolean(), (text, slash) => {
        expectWellFormed(parseCommand(slash ? `/${text}` : text));
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on huge input, and answers quickly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FRAGMENTS, 'a', ' ', '<at ', '<at>x', '9', 'credits add '),
        fc.integer({ min: 1_000, max: 60_000 }),
        fc.constantFrom('', 'credits add ', '<p>', 'what is '),
        (fragment, times, prefix) => {
          const started = process.hrtime.bigint();
          expectWellFormed(parseCommand(prefix + fragment.repeat(times)));
          expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1_000);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers quickly for the largest inputs a chat could carry', () => {
    for (const text of ['<at '.repeat(250_000), '<at>'.repeat(250_000), '&#'.repeat(500_000), 'a '.repeat(500_000), ` ${'x'.repeat(1_000_000)}`]) {
      const started = process.hrtime.bigint();
      expectWellFormed(parseCommand(text));
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1_000);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Valid commands built from parts: the parse gives the parts back.

type Case = { words: fc.Arbitrary<string>[]; expected: Command };

/** A keyword as a person might type it: any of its spellings, in any mix of case. */
function keyword(...spellings: string[]): fc.Arbitrary<string> {
  return fc.constantFrom(...spellings).chain((w) =>
    fc.array(fc.boolean(), { minLength: w.length, maxLength: w.length }).map((upper) => [...w].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')),
  );
}

const just = (text: string) => fc.constant(text);

/** Micros rendered as a plain decimal, with or without trailing zeros and harmless leading zeros. */
function amountText(min: number): fc.Arbitrary<[string, number]> {
  return fc.tuple(fc.integer({ min, max: 1_000_000_000_000_000 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom('', '0', '00')).map(([micros, extra, lead]) => {
    const whole = Math.floor(micros / 1_000_000);
    const fraction = String(micros % 1_000_000).padStart(6, '0');
    const needed = fraction.replace(/0+$/, '').length;
    const places = Math.max(needed, extra);
    return [`${lead}${whole}${places > 0 ? `.${fraction.slice(0, places)}` : ''}`, micros];
  });
}

const mentionName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .filter((n) => n.length > 0 && n.trim() === n && !/[<>\uE000\uE001]/.test(n));

const user: fc.Arbitrary<[string, UserRef]> = fc.oneof(
  mentionName.map((name): [string, UserRef] => [`<at>${name.replace(/&/g, '&amp;')}</at>`, { mention: name }]),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}@[a-z0-9][a-z0-9-]{0,10}\.[a-z]{2,6}$/), fc.boolean())
    .map(([upn, at]): [string, UserRef] => [at ? `@${upn}` : upn, { text: upn }]),
  fc.uuid().map((id): [string, UserRef] => [id, { text: id }]),
);

const policy: fc.Arbitrary<[string, DialOutPolicyName]> = fc
  .tuple(fc.constantFrom(...DIAL_OUT_POLICIES), fc.constantFrom('', 'Tag:', 'tag:'))
  .chain(([name, tag]) => keyword(name).map((typed): [string, DialOutPolicyName] => [tag + typed, name]));

const period: fc.Arbitrary<[string[], UsagePeriod]> = fc.oneof(
  fc.constantFrom<[string[], UsagePeriod]>(
    [[], { kind: 'this_month' }],
    [['this', 'month'], { kind: 'this_month' }],
    [['last', 'month'], { kind: 'last_month' }],
    [['previous', 'month'], { kind: 'last_month' }],
    [['7d'], { kind: 'days', days: 7 }],
    [['28d'], { kind: 'days', days: 28 }],
    [['7', 'days'], { kind: 'days', days: 7 }],
    [['last', '28', 'days'], { kind: 'days', days: 28 }],
  ),
  fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 })).map(([y, m]): [string[], UsagePeriod] => {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    return [[month], { kind: 'month', month }];
  }),
);

const COURTESY = /^(?:please|pls|plz|thanks|thx|last|latest)$/i;
const conferenceId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_:@.-]{0,30}[A-Za-z0-9]$|^[A-Za-z0-9]$/).filter((id) => !COURTESY.test(id));

const ratesQuery = fc.oneof(
  fc.constantFrom('Germany', 'Brazil', 'United States', 'United Kingdom', 'DE', 'fr', 'Japan', 'South Korea', "Côte d'Ivoire", 'Türkiye', 'Hong Kong').chain((name) =>
    keyword(name),
  ),
  fc.tuple(fc.stringMatching(/^\+[1-9]\d{5,12}$/), fc.boolean()).map(([n, spaced]) => (spaced ? n.replace(/(\d{3})(?=\d)/g, '$1 ') : n)),
);

const words = (...parts: fc.Arbitrary<string>[]) => parts;
const usersCase = (f: (u: UserRef) => Command, ...before: fc.Arbitrary<string>[]) =>
  user.map(([typed, ref]): Case => ({ words: [...before, just(typed)], expected: f(ref) }));

const validCase: fc.Arbitrary<Case> = fc.oneof(
  fc.constant<Case>({ words: words(keyword('help', 'commands')), expected: { kind: 'help' } }),
  fc.constant<Case>({ words: words(keyword('balance')), expected: { kind: 'balance' } }),
  fc.constant<Case>({ words: words(keyword('credits', 'credit'), keyword('balance')), expected: { kind: 'balance' } }),
  fc.constant<Case>({ words: words(keyword('meetings')), expected: { kind: 'meetings' } }),
  period.map(([parts, p]): Case => ({ words: [keyword('usage'), ...parts.map((p) => keyword(p))], expected: { kind: 'usage', period: p } })),
  period
    .filter((c): c is [string[], ReconcilePeriod] => c[1].kind !== 'days')
    .map(([parts, p]): Case => ({ words: [keyword('reconcile', 'reconciliation'), ...parts.map((w) => keyword(w))], expected: { kind: 'reconcile', period: p } })),
  fc.constant<Case>({ words: words(keyword('meeting')), expected: { kind: 'meeting', which: 'last' } }),
  fc.constant<Case>({ words: words(keyword('meeting'), keyword('last', 'latest')), expected: { kind: 'meeting', which: 'last' } }),
  conferenceId.map((id): Case => ({ words: [keyword('meeting'), just(id)], expected: { kind: 'meeting', which: { conferenceId: id } } })),
  ratesQuery.map((q): Case => ({ words: [keyword('rates', 'rate'), ...q.split(' ').map(just)], expected: { kind: 'rates', query: q } })),
  fc.constant<Case>({ words: words(keyword('policy')), expected: { kind: 'policy' } }),
  usersCase((u) => ({ kind: 'policy', user: u }), keyword('policy')),
  fc.constant<Case>({ words: words(keyword('credits', 'credit')), expected: { kind: 'credits_form' } }),
  fc.constant<Case>({ words: words(keyword('credits', 'credit'), keyword('add')), expected: { kind: 'credits_form' } }),
  amountText(1).map(([a, micros]): Case => ({ words: [keyword('credits', 'credit'), keyword('add'), just(a)], expected: { kind: 'credits_add', amountMicros: micros } })),
  fc.constant<Case>({ words: words(keyword('autorecharge', 'auto-recharge')), expected: { kind: 'autorecharge_form' } }),
  fc.constant<Case>({ words: words(keyword('autorecharge', 'auto-recharge'), keyword('on')), expected: { kind: 'autorecharge_form' } }),
  fc.constant<Case>({ words: words(keyword('autorecharge', 'auto-recharge'), keyword('off')), expected: { kind: 'autorecharge_off' } }),
  fc.tuple(amountText(0), amountText(1)).map(([[t, trigger], [a, micros]]): Case => ({
    words: [keyword('autorecharge', 'auto-recharge'), keyword('on'), just(t), just(a)],
    expected: { kind: 'autorecharge_on', triggerMicros: trigger, amountMicros: micros },
  })),
  fc.constant<Case>({ words: words(keyword('policy'), keyword('set')), expected: { kind: 'policy_form' } }),
  fc.constant<Case>({ words: words(keyword('policy'), keyword('set'), keyword('global')), expected: { kind: 'policy_form', target: 'global' } }),
  usersCase((u) => ({ kind: 'policy_form', target: u }), keyword('policy'), keyword('set')),
  policy.map(([typed, name]): Case => ({
    words: [keyword('policy'), keyword('set'), keyword('global'), just(typed)],
    expected: { kind: 'policy_set', target: 'global', policy: name },
  })),
  fc.tuple(user, policy).map(([[typedUser, ref], [typedPolicy, name]]): Case => ({
    words: [keyword('policy'), keyword('set'), just(typedUser), just(typedPolicy)],
    expected: { kind: 'policy_set', target: ref, policy: name },
  })),
  fc
    .tuple(
      user,
      fc.constantFrom<[string, 'subscription' | 'ppm' | 'none']>(['subscription', 'subscription'], ['ppm', 'ppm'], ['pay-per-minute', 'ppm'], ['none', 'none']),
      fc.constantFrom<[string | undefined, boolean | undefined]>([undefined, undefined], ['+credits', true], ['-credits', false]),
    )
    .map(([[typedUser, ref], [typedPlan, plan], [typedFlag, credits]]): Case => ({
      words: [keyword('license', 'licence'), just(typedUser), keyword(typedPlan), ...(typedFlag ? [keyword(typedFlag)] : [])],
      expected: credits === undefined ? { kind: 'license_set', user: ref, plan } : { kind: 'license_set', user: ref, plan, credits },
    })),
  fc.tuple(user, fc.boolean()).map(([[typedUser, ref], on]): Case => ({
    words: [keyword('tollfree', 'toll-free'), just(typedUser), keyword(on ? 'on' : 'off')],
    expected: { kind: 'tollfree_set', user: ref, on },
  })),
  fc.tuple(user, fc.boolean()).map(([[typedUser, ref], add]): Case => ({
    words: [keyword('admins', 'admin'), keyword(add ? 'add' : 'remove'), just(typedUser)],
    expected: add ? { kind: 'admins_add', user: ref } : { kind: 'admins_remove', user: ref },
  })),
  fc.tuple(amountText(0), fc.constantFrom(['low-balance'], ['lowbalance'], ['low', 'balance'])).map(([[a, micros], sub]): Case => ({
    words: [keyword('alerts', 'alert'), ...sub.map((s) => keyword(s)), just(a)],
    expected: { kind: 'alerts_low_balance', amountMicros: micros },
  })),
);

const separator = fc.constantFrom(' ', '  ', '\t', '\n', '&nbsp;', ' &nbsp; ', '\u00A0');
const wrapping = fc.constantFrom(
  (t: string) => t,
  (t: string) => `<p>${t}</p>`,
  (t: string) => `<div>&nbsp;${t}</div><br>`,
  (t: string) => `  ${t}\n`,
  (t: string) => `\u200B${t}`,
  (t: string) => `${t}?`,
);

/** The command's words, typed with random spacing, an optional '/', and Teams' HTML around it. */
const typedCommand: fc.Arbitrary<{ text: string; expected: Command }> = validCase.chain(({ words: parts, expected }) =>
  fc
    .tuple(fc.tuple(...parts), fc.array(separator, { minLength: parts.length, maxLength: parts.length }), fc.boolean(), wrapping)
    .map(([typed, seps, slash, wrap]) => ({
      text: wrap((slash ? '/' : '') + typed.map((w, i) => (i === 0 ? w : `${seps[i] ?? ' '}${w}`)).join('')),
      expected,
    })),
);

describe('parseCommand recovers the parts of any valid command', () => {
  it('parse(text built from parts) gives back exactly those parts', () => {
    fc.assert(
      fc.property(typedCommand, ({ text, expected }) => {
        expect(parseCommand(text)).toStrictEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
