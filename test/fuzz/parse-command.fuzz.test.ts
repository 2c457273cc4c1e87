import fc from 'fast-check';
import { COMMAND_KINDS, COMMAND_USAGE, parseCommand, UNKNOWN_TEXT_MAX, type Command } from '../../src/bot/commands/parse-command';

/**
 * Near misses: every valid command, typed with one to three slips (a letter dropped, doubled, swapped or replaced,
 * a word dropped, repeated or added, a stray quote, tag, entity or control character). The parser never throws and
 * always answers a command or a reasoned refusal: an `invalid` names the command and quotes its usage, with a
 * problem that reads as words; text led by a command's own keyword is never answered "I did not understand", and
 * never turns into another command.
 */
const KINDS: ReadonlySet<string> = new Set(COMMAND_KINDS);
const USAGES: Readonly<Record<string, string>> = COMMAND_USAGE;

/** For each keyword: the kinds it may parse to, and the `invalid` commands it may name. */
const FAMILY: Record<string, { kinds: Command['kind'][]; invalid: string[] }> = {
  help: { kinds: ['help'], invalid: [] },
  balance: { kinds: ['balance'], invalid: ['balance'] },
  usage: { kinds: ['usage'], invalid: ['usage'] },
  meetings: { kinds: ['meetings'], invalid: ['meetings'] },
  meeting: { kinds: ['meeting'], invalid: ['meeting'] },
  rates: { kinds: ['rates'], invalid: ['rates'] },
  policy: { kinds: ['policy', 'policy_set', 'policy_form'], invalid: ['policy', 'policy set'] },
  credits: { kinds: ['credits_add', 'credits_form', 'balance'], invalid: ['credits', 'credits add'] },
  autorecharge: { kinds: ['autorecharge_on', 'autorecharge_off', 'autorecharge_form'], invalid: ['autorecharge', 'autorecharge on', 'autorecharge off'] },
  license: { kinds: ['license_set'], invalid: ['license'] },
  tollfree: { kinds: ['tollfree_set'], invalid: ['tollfree'] },
  admins: { kinds: ['admins_add', 'admins_remove'], invalid: ['admins', 'admins add', 'admins remove'] },
  alerts: { kinds: ['alerts_low_balance'], invalid: ['alerts'] },
  reconcile: { kinds: ['reconcile'], invalid: ['reconcile'] },
};

/** One well-formed example of every command and question form, each led by its keyword where it has one. */
const VALID = [
  'help', 'balance', 'usage', 'usage last month', 'usage 7d', 'usage 2026-03', 'meetings', 'meeting last', 'meeting conf-8812', 'rates Germany',
  'rates DE', 'rates +49 30 123456', 'policy', 'policy <at>Jonas Becker</at>', 'policy jonas@contoso.example', 'credits', 'credits add 200',
  'credits add 12.50', 'autorecharge on 50 200', 'autorecharge off', 'policy set', 'policy set global DialoutCPCandPSTNDomestic',
  'policy set <at>Jonas Becker</at> DialoutCPCZoneAPSTNInternational', 'license jonas@contoso.example ppm +credits',
  'license 00000000-0000-0000-0000-00000000a003 subscription', 'tollfree <at>Jonas Becker</at> off', 'admins add priya@contoso.example',
  'admins remove <at>Priya</at>', 'alerts low-balance 100', 'reconcile last month', 'reconcile 2026-11', "what's our balance?",
  'how much did my last meeting cost', 'what does it cost to call Germany', 'can I dial out to Brazil', 'how much did we spend last month',
];

const STRAY = ['"', "'", '<', '>', '</at>', '<at>', '&', '&nbsp;', '&#0;', '\u0000', '\u0007', '\uD800', '\uE000', '\u200B', '\u202E', '😀', '$', '${x}', '-', '.', ',', '/', '?', '@', '+', '0', '9', 'é', 'ß', 'İ', '\t', '\n'];

type Slip =
  | { kind: 'drop-char' | 'double-char' | 'swap-chars'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'replace-char'; at: number; text: string }
  | { kind: 'drop-word' | 'double-word'; word: number }
  | { kind: 'add-word'; word: number; text: string }
  | { kind: 'case'; at: number };

const slip: fc.Arbitrary<Slip> = fc.oneof(
  fc.record({ kind: fc.constantFrom('drop-char' as const, 'double-char' as const, 'swap-chars' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...STRAY), fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant('replace-char' as const), at: fc.nat(), text: fc.constantFrom(...STRAY) }),
  fc.record({ kind: fc.constantFrom('drop-word' as const, 'double-word' as const), word: fc.nat() }),
  fc.record({ kind: fc.constant('add-word' as const), word: fc.nat(), text: fc.oneof(fc.constantFrom('add', 'set', 'on', 'off', 'global', 'last', 'please', '200', '-5', '12,50', 'USD', '@', '<at></at>', 'x'.repeat(1200)), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant('case' as const), at: fc.nat() }),
);

/** Applies one slip to the text (positions wrap around, so any number lands somewhere). */
function applySlip(text: string, s: Slip): string {
  const chars = [...text];
  const words = text.split(' ');
  const charAt = (n: number) => (chars.length > 0 ? n % chars.length : 0);
  const wordAt = (n: number) => n % words.length;
  switch (s.kind) {
    case 'drop-char':
      chars.splice(charAt(s.at), 1);
      return chars.join('');
    case 'double-char':
      if (chars.length > 0) chars.splice(charAt(s.at), 0, chars[charAt(s.at)]!);
      return chars.join('');
    case 'swap-chars': {
      const i = charAt(s.at);
      if (i + 1 < chars.length) [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
      return chars.join('');
    }
    case 'insert':
      chars.splice(charAt(s.at), 0, s.text);
      return chars.join('');
    case 'replace-char':
      if (chars.length > 0) chars[charAt(s.at)] = s.text;
      return chars.join('');
    case 'case': {
      const c = chars[charAt(s.at)];
      if (c !== undefined) chars[charAt(s.at)] = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return chars.join('');
    }
    case 'drop-word':
      words.splice(wordAt(s.word), 1);
      return words.join(' ');
    case 'double-word':
      words.splice(wordAt(s.word), 0, words[wordAt(s.word)]!);
      return words.join(' ');
    case 'add-word':
      words.splice(wordAt(s.word), 0, s.text);
      return words.join(' ');
  }
}

const ARTIFACTS = /\b(undefined|NaN|null)\b|\[object Object\]/;

/** What every answer to any text must be. */
function expectReasoned(command: Command, typed: string): void {
  expect(KINDS.has(command.kind)).toBe(true);
  if (command.kind === 'invalid') {
    expect(Object.keys(USAGES)).toContain(command.command);
    expect(command.usage).toBe(USAGES[command.command]);
    expect(command.problem).toMatch(/\p{L}{2,}.*[.?]$/su);
    const artifact = ARTIFACTS.exec(command.problem)?.[0];
    if (artifact) expect(typed).toContain(artifact);
  }
  if (command.kind === 'unknown') expect(command.text.length).toBeLessThanOrEqual(UNKNOWN_TEXT_MAX + 1);
  // The parser's own mention placeholders never reach a user.
  for (const shown of Object.values(command)) if (typeof shown === 'string') expect(shown).not.toMatch(/[\uE000\uE001]/);
  if ('amountMicros' in command) expect(Number.isSafeInteger(command.amountMicros) && command.amountMicros >= 0).toBe(true);
  if (command.kind === 'autorecharge_on') expect(Number.isSafeInteger(command.triggerMicros) && command.triggerMicros >= 0).toBe(true);
}

describe('parseCommand on near misses', () => {
  it('answers every slip of every command with a command or a reasoned refusal, never a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(slip, { minLength: 1, maxLength: 3 }), fc.boolean(), (valid, slips, slash) => {
        const typed = (slash ? '/' : '') + slips.reduce(applySlip, valid);
        expectReasoned(parseCommand(typed), typed);
      }),
      { seed: 5_5, numRuns: 4000 },
    );
  });

  it('keeps text led by a keyword within that command: a refusal naming it, or one of its own forms', () => {
    const keyworded = VALID.filter((v) => FAMILY[v.split(' ')[0]!]);
    fc.assert(
      fc.property(fc.constantFrom(...keyworded), fc.array(slip, { minLength: 1, maxLength: 3 }), fc.boolean(), (valid, slips, slash) => {
        const keyword = valid.split(' ')[0]!;
        // The keyword and the space after it stay as typed; everything after may slip.
        const rest = slips.reduce(applySlip, valid.slice(keyword.length + 1));
        const typed = `${slash ? '/' : ''}${keyword} ${rest}`;
        const command = parseCommand(typed);
        expectReasoned(command, typed);
        // Past 1,000 characters a message is chatter by design (parse-command.ts MAX_COMMAND_LENGTH), whatever leads it.
        if (typed.length > 1000) return;
        const family = FAMILY[keyword]!;
        if (command.kind === 'invalid') expect(family.invalid).toContain(command.command);
        else expect(family.kinds).toContain(command.kind);
      }),
      { seed: 55, numRuns: 4000 },
    );
  });

  it('refuses a command with the wrong part with a problem that quotes the part', () => {
    const cases: [string, string, RegExp][] = [
      ['credits add twelve', 'credits add', /twelve/],
      ['credits remove 5', 'credits', /remove/],
      ['autorecharge maybe', 'autorecharge', /maybe/],
      ['autorecharge on 50 lots', 'autorecharge on', /lots/],
      ['policy set global DialoutNowhere', 'policy set', /DialoutNowhere/],
      ['license jonas@contoso.example premium', 'license', /premium/],
      ['tollfree jonas@contoso.example sometimes', 'tollfree', /sometimes/],
      ['admins promote jonas@contoso.example', 'admins', /promote/],
      ['alerts high-balance 5', 'alerts', /high-balance/],
      ['usage 2026-13', 'usage', /2026-13/],
      ['reconcile 7d', 'reconcile', /7d/],
      ['meeting conf 1', 'meeting', /conf 1/],
      ['rates Atlantis', 'rates', /Atlantis/],
      ['balance now', 'balance', /now/],
    ];
    for (const [typed, command, quote] of cases) {
      const parsed = parseCommand(typed);
      expect([typed, parsed]).toEqual([typed, expect.objectContaining({ kind: 'invalid', command, problem: expect.stringMatching(quote) })]);
    }
  });
});
