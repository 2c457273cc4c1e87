import type { OccurrenceWindow } from '../../store/bot-store';
import { countryFromText } from '../../billing/countries';
import { DIAL_OUT_POLICIES, findDialOutPolicy, type DialOutPolicyName } from '../../billing/dial-out-policy';
import { parseAmount, type Micros } from '../../billing/money';
import { COMMAND_USAGE, type InvalidCommandName } from './command-help';
import { parseFraudWords, type FraudRequest } from './parse-fraud-command';

export { COMMAND_HELP, COMMAND_USAGE, type CommandHelpEntry, type InvalidCommandName } from './command-help';

/**
 * Chat text → Command, pure and total: it never throws, never does I/O and never calls an outside AI.
 * Commands are keyword-first (`balance`, `/balance`, `credits add 200`); a handful of plain questions
 * ("what's our balance?") are recognized by anchored patterns. Anything else is `unknown`: a wrong guess
 * is worse than "I did not understand" for a bot that moves money.
 */

/** `<at>Jonas</at>` → { mention: 'Jonas' } (the name as Teams wrote it); a UPN or an AAD object id → { text }. */
export type UserRef = { mention: string } | { text: string };

export type UsagePeriod =
  | { kind: 'this_month' }
  | { kind: 'last_month' }
  | { kind: 'days'; days: 7 | 28 }
  | { kind: 'month'; month: string /* YYYY-MM */ };

/** Reconciliation goes by calendar month: the usage periods without the rolling ones. */
export type ReconcilePeriod = Exclude<UsagePeriod, { kind: 'days' }>;

export type Command =
  | { kind: 'help' }
  | { kind: 'balance' }
  | { kind: 'usage'; period: UsagePeriod }
  | { kind: 'meetings' }
  /** occurrence: one occurrence's legs of a recurring meeting (its card's Refresh), not the whole series'. */
  | { kind: 'meeting'; which: 'last' | { conferenceId: string; occurrence?: OccurrenceWindow } }
  | { kind: 'rates'; query: string }
  | { kind: 'policy'; user?: UserRef }
  | { kind: 'credits_add'; amountMicros: Micros }
  | { kind: 'credits_form' }
  | { kind: 'autorecharge_on'; triggerMicros: Micros; amountMicros: Micros }
  | { kind: 'autorecharge_off' }
  | { kind: 'autorecharge_form' }
  | { kind: 'policy_set'; target: 'global' | UserRef; policy: DialOutPolicyName }
  | { kind: 'policy_form'; target?: 'global' | UserRef }
  | { kind: 'license_set'; user: UserRef; plan: 'subscription' | 'ppm' | 'none'; credits?: boolean }
  | { kind: 'tollfree_set'; user: UserRef; on: boolean }
  | { kind: 'admins_add'; user: UserRef }
  | { kind: 'admins_remove'; user: UserRef }
  | { kind: 'alerts_low_balance'; amountMicros: Micros }
  | { kind: 'reconcile'; period: ReconcilePeriod }
  /** The monthly digest card on demand: last month unless a month is named. */
  | { kind: 'digest'; period: ReconcilePeriod }
  /** The license advisor over the last `months` whole months (3 unless given). */
  | { kind: 'advisor'; months?: number }
  /** The subscription's monthly price per user, which the advisor weighs. */
  | { kind: 'advisor_price'; amountMicros: Micros }
  /** The open toll-fraud incidents; and the toll-fraud guard's settings, block list and incident decisions. */
  | { kind: 'incidents' }
  | { kind: 'fraud'; request: FraudRequest }
  | { kind: 'invalid'; command: string; problem: string; usage: string }
  | { kind: 'unknown'; text: string };

export type CommandKind = Command['kind'];

/** Every kind parseCommand can return, for routers and tests (the compiler checks none is missing). */
export const COMMAND_KINDS = [
  'help', 'balance', 'usage', 'meetings', 'meeting', 'rates', 'policy', 'credits_add', 'credits_form', 'autorecharge_on',
  'autorecharge_off', 'autorecharge_form', 'policy_set', 'policy_form', 'license_set', 'tollfree_set', 'admins_add',
  'admins_remove', 'alerts_low_balance', 'reconcile', 'digest', 'advisor', 'advisor_price', 'incidents', 'fraud', 'invalid', 'unknown',
] as const satisfies readonly CommandKind[];
type MissingKind = Exclude<CommandKind, (typeof COMMAND_KINDS)[number]>;
const everyKindListed: [MissingKind] extends [never] ? true : MissingKind = true;
void everyKindListed;

export interface ParseOptions {
  /** The user's locale (activity.locale), so `rates Deutschland` works for a German speaker. Default 'en'. */
  locale?: string;
}

/** An `unknown` answer echoes at most this much of what was typed. */
export const UNKNOWN_TEXT_MAX = 300;
// No command or question is anywhere near this long; longer text is chatter, and not worth matching.
const MAX_COMMAND_LENGTH = 1000;
// Teams messages are at most ~28 KB of HTML; beyond this, only the beginning is looked at for the echo.
const MAX_RAW_LENGTH = 100_000;

/**
 * Parses one chat message (after teams-ai removed the bot's own @mention). Case-insensitive, a leading '/'
 * is optional, and Teams' HTML (<p>, <br>, &nbsp;, …) is ignored; other users' mentions (`<at>Name</at>`)
 * become UserRefs. Total: any string in, a Command out.
 */
export function parseCommand(text: string, options?: ParseOptions): Command {
  if (typeof text !== 'string') return { kind: 'unknown', text: '' };
  if (text.length > MAX_RAW_LENGTH) return unknown(cleanMessage(text.slice(0, 2 * UNKNOWN_TEXT_MAX)));
  const message = cleanMessage(text);
  if (message.text.length === 0 || message.text.length > MAX_COMMAND_LENGTH) return unknown(message);
  const ctx: Context = { mentions: message.mentions, locale: options?.locale ?? 'en' };
  return parseKeywordCommand(message.text, ctx) ?? parseQuestion(message.text, ctx) ?? unknown(message);
}

// ---------------------------------------------------------------------------------------------------------------
// Cleaning: Teams HTML → one line of plain text, with each mention replaced by a one-token placeholder.

interface CleanMessage {
  /** Plain text, single-spaced, trimmed, mentions as placeholders: what the user wrote, without the HTML. */
  plain: string;
  /** `plain` without a trailing '?' or '!', "please", "hi," and the like: what is parsed. */
  text: string;
  /** Mention names, indexed by their placeholder. */
  mentions: string[];
}

// Private-use characters cannot come from a user (they are removed from input first), so a placeholder is unambiguous.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /^\uE000(\d+)\uE001$/;
const PLACEHOLDERS = /\uE000(\d+)\uE001/g;

// `[^<>]*` (not `.*?`) keeps every pattern here linear: a scan never runs past the next angle bracket.
const MENTION_TAG = /<at(?:\s[^<>]*)?>([^<>]*)<\/at\s*>/gi;
const ANY_TAG = /<\/?[a-z][^<>]*>/gi;
const ENTITY = /&(#\d{1,8}|#x[0-9a-f]{1,8}|[a-z]{2,8});/gi;
// Maps, not object literals: a word like "constructor" must not find Object.prototype's members.
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map(Object.entries({ nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }));

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // Lone surrogates, NUL, out-of-range code points and our own placeholder characters become a space.
      if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff) || code === 0xe000 || code === 0xe001) return ' ';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES.get(body.toLowerCase()) ?? whole;
  });
}

function cleanMessage(raw: string): CleanMessage {
  const mentions: string[] = [];
  let text = raw.replace(/[\uE000\uE001]/g, ' ');
  text = text.replace(MENTION_TAG, (_whole, name: string) => {
    mentions.push(decodeEntities(name).trim());
    return ` ${OPEN}${mentions.length - 1}${CLOSE} `;
  });
  text = decodeEntities(text.replace(ANY_TAG, ' '))
    // NFKC folds full-width letters and digits ("２００") into ASCII; mention names were taken out before this.
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\u00AD]/g, '')
    .replace(/[\u2018\u2019\u02BC\u2032]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
  return { plain: text, text: stripCourtesy(text), mentions };
}

const LEADING_COURTESY =
  /^(?:(?:please|pls|plz|hey|hi|hello|ok|okay|so|um|tollgate|(?:can|could|would|will) you(?: please)?(?= (?:show|tell|list|check|get|give)\b)|(?:please )?tell me|(?:please )?give me|do you know|i'd like to know|i want to know)[,:!]? )+/i;
const TRAILING_COURTESY = /(?:,? (?:please|pls|plz|thanks|thank you|thx|for me))+$/i;
const TRAILING_PUNCTUATION = /(?:[?!]+|(?<=\p{L})\.+)$/u;

/**
 * "Hi, what's our balance, please?" → "what's our balance". When nothing would be left, "?" (however many, with
 * or without '/' or "please") asks for help, and anything else stays as typed: a lone "hi" is a greeting.
 */
function stripCourtesy(text: string): string {
  const typed = text.replace(/^`+|`+$/g, '').trim();
  const unwrapped = typed.replace(LEADING_COURTESY, '');
  const polite = unwrapped.replace(TRAILING_PUNCTUATION, '').replace(TRAILING_COURTESY, '').replace(TRAILING_PUNCTUATION, '').trim();
  if (polite.replace(/^\//, '').length > 0) return polite;
  return /^\/?\?+$/.test(unwrapped) ? '?' : typed;
}

function displayText(message: CleanMessage): string {
  return message.plain.replace(PLACEHOLDERS, (_whole, i: string) => `@${message.mentions[Number(i)] ?? ''}`);
}

function unknown(message: CleanMessage): Command {
  const shown = displayText(message);
  return { kind: 'unknown', text: shown.length > UNKNOWN_TEXT_MAX ? `${shown.slice(0, UNKNOWN_TEXT_MAX)}…` : shown };
}

// ---------------------------------------------------------------------------------------------------------------
// Keyword commands: the first word names the command; the rest are its arguments.

interface Context {
  mentions: readonly string[];
  locale: string;
}

type Keyword =
  | 'help' | 'balance' | 'usage' | 'meetings' | 'meeting' | 'rates' | 'policy' | 'credits' | 'autorecharge' | 'license' | 'tollfree'
  | 'admins' | 'alerts' | 'reconcile' | 'digest' | 'advisor' | 'incidents' | 'fraud';

const KEYWORDS: ReadonlyMap<string, Keyword> = new Map<string, Keyword>(Object.entries({
  help: 'help', '?': 'help', commands: 'help',
  balance: 'balance',
  usage: 'usage',
  meetings: 'meetings',
  meeting: 'meeting',
  rates: 'rates', rate: 'rates',
  policy: 'policy',
  credits: 'credits', credit: 'credits',
  autorecharge: 'autorecharge', 'auto-recharge': 'autorecharge',
  license: 'license', licence: 'license',
  tollfree: 'tollfree', 'toll-free': 'tollfree',
  admins: 'admins', admin: 'admins',
  alerts: 'alerts', alert: 'alerts',
  reconcile: 'reconcile', reconciliation: 'reconcile',
  digest: 'digest',
  advisor: 'advisor', advise: 'advisor',
  incidents: 'incidents', incident: 'incidents',
  fraud: 'fraud',
} satisfies Record<string, Keyword>));

// Two-word spellings of one keyword: "auto recharge on 50 200", "toll free @Jonas off".
const TWO_WORD_KEYWORDS: ReadonlyMap<string, Keyword> = new Map<string, Keyword>([
  ['auto recharge', 'autorecharge'],
  ['toll free', 'tollfree'],
]);

function parseKeywordCommand(text: string, ctx: Context): Command | undefined {
  const words = text.split(' ');
  const first = (words[0] ?? '').replace(/^\//, '').toLowerCase();
  let keyword = KEYWORDS.get(first);
  let args = words.slice(1);
  if (!keyword) {
    keyword = TWO_WORD_KEYWORDS.get(`${first} ${(words[1] ?? '').toLowerCase()}`);
    args = words.slice(2);
  }
  if (!keyword) return undefined;
  const p = new Args(args, ctx);
  switch (keyword) {
    case 'help':
      return { kind: 'help' }; // "help credits", "help me": help is never wrong.
    case 'balance':
      return p.end('balance', 'balance') ?? { kind: 'balance' };
    case 'meetings':
      return p.end('meetings', 'meetings') ?? { kind: 'meetings' };
    case 'usage':
      return parseUsage(p);
    case 'meeting':
      return parseMeeting(p);
    case 'rates':
      return parseRates(p, ctx);
    case 'policy':
      return parsePolicy(p);
    case 'credits':
      return parseCredits(p);
    case 'autorecharge':
      return parseAutorecharge(p);
    case 'license':
      return parseLicense(p);
    case 'tollfree':
      return parseTollfree(p);
    case 'admins':
      return parseAdmins(p);
    case 'alerts':
      return parseAlerts(p);
    case 'reconcile':
      return parseReconcile(p);
    case 'digest':
      return parseDigest(p);
    case 'advisor':
      return parseAdvisor(p);
    case 'incidents':
      return p.end('incidents', 'incidents') ?? { kind: 'incidents' };
    case 'fraud':
      return parseFraudWords(p.rest(), (w) => p.show(w));
  }
}

function invalid(command: InvalidCommandName, problem: string): Command {
  return { kind: 'invalid', command, problem, usage: COMMAND_USAGE[command] };
}

/** The words after the command word, read left to right. */
class Args {
  private i = 0;
  constructor(
    private readonly words: readonly string[],
    private readonly ctx: Context,
  ) {}

  get remaining(): number {
    return this.words.length - this.i;
  }

  /** The next word as typed (a mention is its placeholder; `show` turns it into @Name), or undefined at the end. */
  next(): string | undefined {
    const w = this.words[this.i];
    if (w !== undefined) this.i += 1;
    return w;
  }

  /** The next word, lower-cased, without consuming it. */
  peekWord(): string | undefined {
    return this.words[this.i]?.toLowerCase();
  }

  rest(): string[] {
    const r = this.words.slice(this.i);
    this.i = this.words.length;
    return r;
  }

  show(words: string | readonly string[]): string {
    const list = typeof words === 'string' ? [words] : words;
    return list
      .map((w) => {
        const m = PLACEHOLDER.exec(w);
        return m ? `@${this.ctx.mentions[Number(m[1])] ?? ''}` : w;
      })
      .join(' ');
  }

  /** An `invalid` answer when anything is left after `after`. */
  end(command: InvalidCommandName, after: string): Command | undefined {
    if (this.remaining === 0) return undefined;
    return invalid(command, `Nothing goes after "${after}"; remove "${this.show(this.rest())}".`);
  }

  user(word: string): UserParse {
    return parseUser(word, this.ctx.mentions, (w) => this.show(w));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Users

type UserParse = { ok: true; user: UserRef } | { ok: false; problem: string };

// A UPN is an email-shaped sign-in name; an AAD object id is a GUID. Anything else is a name the directory cannot look up.
const UPN = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>".]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseUser(word: string, mentions: readonly string[], show: (w: string) => string): UserParse {
  const m = PLACEHOLDER.exec(word);
  if (m) {
    const name = mentions[Number(m[1])] ?? '';
    return name.length > 0 ? { ok: true, user: { mention: name } } : { ok: false, problem: 'The @mention has no name: mention the person again.' };
  }
  const text = word.startsWith('@') && UPN.test(word.slice(1)) ? word.slice(1) : word;
  if (UPN.test(text) || GUID.test(text)) return { ok: true, user: { text } };
  if (word.startsWith('@')) {
    return {
      ok: false,
      problem: `"${show(word)}" is not a linked @mention: pick the person from the list Teams shows when you type @, or give their UPN (name@contoso.com) or AAD object id.`,
    };
  }
  return { ok: false, problem: `"${show(word)}" is not a user: @mention them, or give their UPN (name@contoso.com) or AAD object id.` };
}

// ---------------------------------------------------------------------------------------------------------------
// Amounts (billing/money.ts parseAmount: plain decimals, exact micros)

type AmountParse = { ok: true; micros: Micros } | { ok: false; problem: string };

/** `label` prefixes parseAmount's message when a command takes more than one amount ("Trigger: …"). */
function amount(word: string, show: string, opts: { label?: string; positive: boolean; what: string }): AmountParse {
  const parsed = parseAmount(PLACEHOLDER.test(word) ? show : word);
  if (!parsed.ok) return { ok: false, problem: opts.label ? `${opts.label}: ${parsed.message}` : parsed.message };
  if (opts.positive && parsed.micros === 0) return { ok: false, problem: `${opts.what} must be more than 0.` };
  return { ok: true, micros: parsed.micros };
}

// "1 000" or "1 000 000.50": digits grouped with spaces, which parseAmount rejects with a message saying so.
const DIGIT_GROUP_HEAD = /^\d{1,3}$/;
const DIGIT_GROUP = /^\d{3}(?:\.\d+)?$/;

/**
 * The single amount that ends a command. "1 000" is handed to parseAmount whole (its message explains the space);
 * "200 USD" is an amount followed by something that does not belong.
 */
function lastAmount(
  p: Args,
  command: InvalidCommandName,
  after: string,
  opts: { label?: string; positive: boolean; what: string },
): AmountParse | Command {
  const words = p.rest();
  const first = words[0];
  if (first === undefined) return invalid(command, `${opts.what} is missing.`);
  if (words.length > 1 && DIGIT_GROUP_HEAD.test(first) && words.slice(1).every((w) => DIGIT_GROUP.test(w))) {
    return amount(words.join(' '), words.join(' '), opts);
  }
  const parsed = amount(first, p.show(first), opts);
  if (!parsed.ok || words.length === 1) return parsed;
  return invalid(command, `Only the amount goes after "${after}"; remove "${p.show(words.slice(1))}".`);
}

function isAmountParse(x: AmountParse | Command): x is AmountParse {
  return 'ok' in x;
}

// ---------------------------------------------------------------------------------------------------------------
// Periods

export type PeriodParse = { ok: true; period: UsagePeriod } | { ok: false; problem: string };

const THIS_MONTH = /^(?:(?:so far )?this month(?: so far)?|thismonth|this-month|(?:the )?current month|month to date)$/;
const LAST_MONTH = /^(?:last month|lastmonth|last-month|(?:the )?previous month|prev month)$/;
const DAYS = /^(?:(?:the )?(?:last|past) )?(\d{1,6}) ?(?:d|days?)$/;
const YEAR_MONTH = /^(\d{4})-(\d{1,2})$/;

/** "", "this month", "last month", "7d", "the past 28 days", "2025-03" (an optional leading for/in/during/over). */
export function parsePeriod(text: string): PeriodParse {
  const t = text.toLowerCase().trim().replace(/^(?:for|in|during|over) /, '');
  if (t === '' || THIS_MONTH.test(t)) return { ok: true, period: { kind: 'this_month' } };
  if (LAST_MONTH.test(t)) return { ok: true, period: { kind: 'last_month' } };
  const days = DAYS.exec(t);
  if (days) {
    const n = Number(days[1]);
    if (n === 7 || n === 28) return { ok: true, period: { kind: 'days', days: n } };
    return { ok: false, problem: `"${text}" is not a period Tollgate reports on: use 7d or 28d.` };
  }
  const ym = YEAR_MONTH.exec(t);
  if (ym) {
    const [, year = '', month = ''] = ym;
    const m = Number(month);
    if (month.length === 1 && m >= 1) return { ok: false, problem: `Write the month with two digits: ${year}-0${month}.` };
    if (m < 1 || m > 12) return { ok: false, problem: `"${text}" has no month ${month}: use YYYY-MM with a month from 01 to 12.` };
    return { ok: true, period: { kind: 'month', month: `${year}-${month}` } };
  }
  return { ok: false, problem: `"${text}" is not a period: use this month, last month, 7d, 28d or a month as YYYY-MM.` };
}

// ---------------------------------------------------------------------------------------------------------------
// The commands

function parseUsage(p: Args): Command {
  const parsed = parsePeriod(p.show(p.rest()));
  return parsed.ok ? { kind: 'usage', period: parsed.period } : invalid('usage', parsed.problem);
}

function parseMeeting(p: Args): Command {
  const words = p.rest();
  const [first] = words;
  if (first === undefined) return { kind: 'meeting', which: 'last' };
  if (words.length > 1) {
    return invalid('meeting', `"${p.show(words)}" is not a meeting: give "last" or one conference id (it has no spaces).`);
  }
  if (/^(?:last|latest)$/i.test(first)) return { kind: 'meeting', which: 'last' };
  if (PLACEHOLDER.test(first)) return invalid('meeting', `"${p.show(first)}" is not a meeting: give "last" or a conference id.`);
  return { kind: 'meeting', which: { conferenceId: first } };
}

// Digits and the separators people paste; the rates handler decides whether it is a valid E.164 number.
const PHONE_LIKE = /^\+?[\d\s().\-/]+$/;

function looksLikePhoneNumber(text: string): boolean {
  return PHONE_LIKE.test(text) && /\d/.test(text);
}

/**
 * The rates query to hand on, or undefined when it is neither a number nor a country: "Germany", "DE",
 * "+49 30 123", "the UK" → "UK" (so the handler's countryFromText finds it too).
 */
function ratesQuery(text: string, locale: string, opts: { lowerCaseCodes: boolean }): string | undefined {
  if (looksLikePhoneNumber(text)) return text;
  const candidates = [text, text.replace(/^the /i, '')];
  for (const c of candidates) {
    // In a sentence "us", "it" or "me" is a word, not a country code; only "DE" (in capitals) counts there.
    if (!opts.lowerCaseCodes && /^[a-z]{2}$/i.test(c) && c !== c.toUpperCase()) continue;
    if (c.length > 0 && countryFromText(c, locale)) return c;
  }
  return undefined;
}

function parseRates(p: Args, ctx: Context): Command {
  const words = p.rest();
  const text = p.show(words).replace(/^(?:for|to|in|of) (?=\S)/i, '');
  if (text.length === 0) return invalid('rates', 'Say which country or number, e.g. rates Germany.');
  const query = ratesQuery(text, ctx.locale, { lowerCaseCodes: true });
  if (query !== undefined) return { kind: 'rates', query };
  return invalid('rates', `"${text}" is not a country, a two-letter country code or a phone number.`);
}

function parsePolicy(p: Args): Command {
  if (p.peekWord() === 'set') {
    p.next();
    return parsePolicySet(p);
  }
  if (/^(?:for|of)$/.test(p.peekWord() ?? '') && p.remaining > 1) p.next();
  const word = p.next();
  if (word === undefined) return { kind: 'policy' };
  const user = p.user(word);
  if (!user.ok) return invalid('policy', user.problem);
  return p.end('policy', `policy ${p.show(word)}`) ?? { kind: 'policy', user: user.user };
}

function policySuggestion(typed: string): string {
  const wanted = typed.replace(/^tag:/i, '').toLowerCase();
  if (wanted.length < 6) return '';
  const close = DIAL_OUT_POLICIES.filter((name) => name.toLowerCase().includes(wanted) || wanted.includes(name.toLowerCase()));
  return close.length === 1 ? ` Did you mean ${close[0]}?` : '';
}

function parsePolicySet(p: Args): Command {
  const targetWord = p.next();
  if (targetWord === undefined) return { kind: 'policy_form' };
  let target: 'global' | UserRef;
  if (targetWord.toLowerCase() === 'global') target = 'global';
  else {
    const user = p.user(targetWord);
    if (!user.ok) {
      if (findDialOutPolicy(targetWord)) return invalid('policy set', `Say whose policy to set before the policy name: global or @user.`);
      return invalid('policy set', `Say global or a user before the policy name. ${user.problem}`);
    }
    target = user.user;
  }
  const policyWord = p.next();
  if (policyWord === undefined) return { kind: 'policy_form', target };
  const policy = findDialOutPolicy(PLACEHOLDER.test(policyWord) ? '' : policyWord);
  const setCommand = `policy set ${p.show(targetWord)}`;
  if (!policy) {
    return invalid(
      'policy set',
      `"${p.show(policyWord)}" is not a dial-out policy.${policySuggestion(policyWord)} Send "${setCommand}" without a name to choose from the list.`,
    );
  }
  return p.end('policy set', `${setCommand} ${policy}`) ?? { kind: 'policy_set', target, policy };
}

function parseCredits(p: Args): Command {
  const sub = p.next();
  if (sub === undefined) return { kind: 'credits_form' };
  const word = sub.toLowerCase();
  // "credit balance", "credits left": the balance, asked the short way.
  if (/^(?:balance|left|remaining)$/.test(word)) return p.end('credits', `credits ${sub}`) ?? { kind: 'balance' };
  if (word !== 'add') return invalid('credits', `"${p.show(sub)}" is not something credits can do: use credits add <amount>.`);
  if (p.remaining === 0) return { kind: 'credits_form' };
  const parsed = lastAmount(p, 'credits add', 'credits add', { positive: true, what: 'The amount' });
  if (!isAmountParse(parsed)) return parsed;
  return parsed.ok ? { kind: 'credits_add', amountMicros: parsed.micros } : invalid('credits add', parsed.problem);
}

function parseAutorecharge(p: Args): Command {
  const sub = p.next();
  if (sub === undefined) return { kind: 'autorecharge_form' };
  const word = sub.toLowerCase();
  if (word === 'off') return p.end('autorecharge off', 'autorecharge off') ?? { kind: 'autorecharge_off' };
  if (word !== 'on') return invalid('autorecharge', `"${p.show(sub)}" is not on or off.`);
  const triggerWord = p.next();
  if (triggerWord === undefined) return { kind: 'autorecharge_form' };
  const trigger = amount(triggerWord, p.show(triggerWord), { label: 'Trigger', positive: false, what: 'The trigger' });
  if (!trigger.ok) return invalid('autorecharge on', trigger.problem);
  if (p.remaining === 0) return invalid('autorecharge on', 'The amount to add is missing.');
  const parsed = lastAmount(p, 'autorecharge on', `autorecharge on ${p.show(triggerWord)}`, { label: 'Amount', positive: true, what: 'The amount to add' });
  if (!isAmountParse(parsed)) return parsed;
  if (!parsed.ok) return invalid('autorecharge on', parsed.problem);
  return { kind: 'autorecharge_on', triggerMicros: trigger.micros, amountMicros: parsed.micros };
}

const PLANS: ReadonlyMap<string, 'subscription' | 'ppm' | 'none'> = new Map([
  ['subscription', 'subscription'],
  ['ppm', 'ppm'],
  ['pay-per-minute', 'ppm'],
  ['none', 'none'],
] as const);

function parseLicense(p: Args): Command {
  const userWord = p.next();
  if (userWord === undefined) return invalid('license', 'Say whose license to set: @mention them, or give their UPN or AAD object id.');
  const user = p.user(userWord);
  if (!user.ok) return invalid('license', user.problem);
  const planWord = p.next();
  if (planWord === undefined) return invalid('license', 'The license plan is missing: subscription, ppm or none.');
  const plan = PLANS.get(planWord.toLowerCase());
  if (!plan) return invalid('license', `"${p.show(planWord)}" is not a license plan: use subscription, ppm or none.`);
  const flagWord = p.next();
  if (flagWord === undefined) return { kind: 'license_set', user: user.user, plan };
  const flag = flagWord.toLowerCase();
  if (flag !== '+credits' && flag !== '-credits') return invalid('license', `"${p.show(flagWord)}" is not +credits or -credits.`);
  return (
    p.end('license', `license ${p.show(userWord)} ${plan} ${flag}`) ?? { kind: 'license_set', user: user.user, plan, credits: flag === '+credits' }
  );
}

function parseTollfree(p: Args): Command {
  const userWord = p.next();
  if (userWord === undefined) return invalid('tollfree', 'Say whose toll-free dial-in to switch: @mention them, or give their UPN or AAD object id.');
  const user = p.user(userWord);
  if (!user.ok) return invalid('tollfree', user.problem);
  const stateWord = p.next();
  if (stateWord === undefined) return invalid('tollfree', 'Say on or off.');
  const state = stateWord.toLowerCase();
  if (state !== 'on' && state !== 'off') return invalid('tollfree', `"${p.show(stateWord)}" is not on or off.`);
  return p.end('tollfree', `tollfree ${p.show(userWord)} ${state}`) ?? { kind: 'tollfree_set', user: user.user, on: state === 'on' };
}

function parseAdmins(p: Args): Command {
  const sub = p.next();
  if (sub === undefined) return invalid('admins', 'Say add or remove, and who.');
  const word = sub.toLowerCase();
  if (word !== 'add' && word !== 'remove') return invalid('admins', `"${p.show(sub)}" is not add or remove.`);
  const command = word === 'add' ? 'admins add' : 'admins remove';
  const userWord = p.next();
  if (userWord === undefined) return invalid(command, 'The user is missing: @mention them, or give their UPN or AAD object id.');
  const user = p.user(userWord);
  if (!user.ok) return invalid(command, user.problem);
  return p.end(command, `${command} ${p.show(userWord)}`) ?? { kind: word === 'add' ? 'admins_add' : 'admins_remove', user: user.user };
}

function parseAlerts(p: Args): Command {
  const sub = p.next();
  if (sub === undefined) return invalid('alerts', 'Say which alert: low-balance.');
  let word = sub.toLowerCase();
  if (word === 'low' && p.peekWord() === 'balance') {
    p.next();
    word = 'low-balance';
  }
  if (word !== 'low-balance' && word !== 'lowbalance') return invalid('alerts', `"${p.show(sub)}" is not an alert Tollgate has: use low-balance.`);
  // Zero is allowed: whether a zero threshold means "off" is the handler's call.
  const parsed = lastAmount(p, 'alerts', 'alerts low-balance', { positive: false, what: 'The low-balance amount' });
  if (!isAmountParse(parsed)) return parsed;
  return parsed.ok ? { kind: 'alerts_low_balance', amountMicros: parsed.micros } : invalid('alerts', parsed.problem);
}

function parseReconcile(p: Args): Command {
  const text = p.show(p.rest());
  const parsed = parsePeriod(text);
  if (parsed.ok && parsed.period.kind !== 'days') return { kind: 'reconcile', period: parsed.period };
  // A month written wrongly gets parsePeriod's own message; anything else, what reconcile takes.
  const monthLike = YEAR_MONTH.test(text.toLowerCase().trim().replace(/^(?:for|in|during|over) /, ''));
  if (!parsed.ok && monthLike) return invalid('reconcile', parsed.problem);
  return invalid('reconcile', `"${text}" is not a calendar month: use this month, last month or a month as YYYY-MM.`);
}

function parseDigest(p: Args): Command {
  const text = p.show(p.rest());
  // The digest is about a finished month: bare "digest" is last month's, not this month's to date.
  if (text.trim() === '') return { kind: 'digest', period: { kind: 'last_month' } };
  const parsed = parsePeriod(text);
  if (parsed.ok && parsed.period.kind !== 'days') return { kind: 'digest', period: parsed.period };
  const monthLike = YEAR_MONTH.test(text.toLowerCase().trim().replace(/^(?:for|in|during|over) /, ''));
  if (!parsed.ok && monthLike) return invalid('digest', parsed.problem);
  return invalid('digest', `"${text}" is not a calendar month: use last month, this month or a month as YYYY-MM.`);
}

const ADVISOR_MONTHS = /^(\d{1,2})(?: ?(?:m|months?))?$/i;

/** `advisor`, `advisor 6 months`, `advisor price 8.50`. */
function parseAdvisor(p: Args): Command {
  if (p.peekWord() === 'price') {
    p.next();
    const parsed = lastAmount(p, 'advisor price', 'advisor price', { positive: true, what: 'The monthly price' });
    if (!isAmountParse(parsed)) return parsed;
    return parsed.ok ? { kind: 'advisor_price', amountMicros: parsed.micros } : invalid('advisor price', parsed.problem);
  }
  const text = p.show(p.rest()).trim();
  if (text === '') return { kind: 'advisor' };
  const m = ADVISOR_MONTHS.exec(text.replace(/^(?:for |over )?(?:the )?(?:last |past )?/i, ''));
  const months = m ? Number(m[1]) : NaN;
  if (months >= 1 && months <= 12) return { kind: 'advisor', months };
  return invalid('advisor', `"${text}" is not a number of months from 1 to 12.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Plain questions: anchored patterns over the cleaned text. A pattern whose object is not understood
// (not a country, not a period, not a user) does not match, and the message ends up `unknown`.

type Rule = { pattern: RegExp; build: (m: RegExpExecArray, ctx: Context) => Command | undefined };

const WHAT_IS = String.raw`(?:what'?s|what is|what are|what're|what was|what were)`;
const SHOW = String.raw`(?:show(?: me)?|get|see|view|check|list|display)`;
const BALANCE_WORDS = String.raw`(?:(?:current|remaining|available|communications?|comms|teams|audio conferencing|credits?) )*`;
const BALANCE = String.raw`(?:${BALANCE_WORDS}balance|(?:(?:current|remaining|available|communications?|comms) )*credits?(?: (?:left|remaining|available))?)`;
const LAST_MEETING = String.raw`(?:(?:my|our|the|that) )?(?:very )?(?:last|latest|previous|most recent) (?:teams )?(?:meeting|call|conference(?: call)?)`;
const SPENT_ON = String.raw`(?: on (?:audio conferencing|conferencing|calls|calling|phone calls|dial[- ]?(?:ins?|outs?)|meetings|credits|communications credits|teams|pstn))?`;
const POLICY = String.raw`(?:(?:dial[- ]?out|outbound(?: calling)?|calling|call|meeting dial[- ]?out) )?polic(?:y|ies)`;
const CALL = String.raw`(?:dial[- ]?out to|call out to|make (?:a )?calls? to|place (?:a )?calls? to|call|dial|phone|ring|reach)`;
const CALLING = String.raw`(?:(?:calls? to|calling|dialing|dialling|dialing out to|dialling out to|calling out to|${CALL}) )`;
// Lazy, so "jonas@contoso.com's policy" leaves the "'s" out of the user.
const USER = String.raw`(\S+?)`;

const rx = (source: string): RegExp => new RegExp(`^(?:${source})$`, 'i');
const always = (c: Command) => (): Command => ({ ...c });

function usageFrom(tail: string | undefined): Command | undefined {
  const parsed = parsePeriod(tail ?? '');
  return parsed.ok ? { kind: 'usage', period: parsed.period } : undefined;
}

function ratesFrom(object: string | undefined, ctx: Context): Command | undefined {
  if (object === undefined) return undefined;
  const text = object
    .replace(/ (?:from|in|during) (?:a |my |our |the )?(?:meetings?|teams|here)$/i, '')
    .replace(/^(?:a |any )?(?:numbers?|phones?|landlines?|mobiles?|someone|people) in /i, '')
    .trim();
  const query = ratesQuery(text, ctx.locale, { lowerCaseCodes: false });
  return query === undefined ? undefined : { kind: 'rates', query };
}

function policyOf(word: string | undefined, ctx: Context): Command | undefined {
  const parsed = word === undefined ? undefined : parseUser(word, ctx.mentions, (w) => w);
  return parsed?.ok ? { kind: 'policy', user: parsed.user } : undefined;
}

const QUESTIONS: readonly Rule[] = [
  // help
  {
    pattern: rx(
      String.raw`help me|i need help|what can you do|what do you do|what can i (?:do|ask)(?: (?:you|here))?|what (?:can|do) you (?:know|help with)` +
        String.raw`|how (?:do|can) i use (?:this|you|tollgate|this bot|it)|how does (?:this|it|tollgate) work|${SHOW}(?: the| your| all)? commands` +
        String.raw`|what are (?:the|your) commands|which commands (?:are there|do you (?:have|know|support))|(?:who|what) are you` +
        String.raw`|hi|hello|hey|good (?:morning|afternoon|evening)`,
    ),
    build: always({ kind: 'help' }),
  },
  // balance
  { pattern: rx(String.raw`(?:${WHAT_IS}|how'?s|how is|${SHOW}) (?:our |my |the |the org's |the organization's )?${BALANCE}`), build: always({ kind: 'balance' }) },
  { pattern: rx(String.raw`(?:our |my |the )?${BALANCE}`), build: always({ kind: 'balance' }) },
  { pattern: rx(String.raw`what (?:our|my|the) ${BALANCE} is`), build: always({ kind: 'balance' }) },
  {
    pattern: rx(
      String.raw`how (?:much|many) (?:communications? |comms )?(?:credits?|money|balance) (?:do we have|do i have|have we got|do we still have|is there|are there|is|are|remains?)(?: left| remaining| available)?`,
    ),
    build: always({ kind: 'balance' }),
  },
  { pattern: rx(String.raw`how much (?:is|do we have|have we got|do we still have|remains|is there) (?:left|remaining)`), build: always({ kind: 'balance' }) },
  { pattern: rx(String.raw`(?:are|am) (?:we|i) (?:out of|low on|running (?:low on|out of)) (?:communications? )?credits?`), build: always({ kind: 'balance' }) },
  { pattern: rx(String.raw`do (?:we|i) (?:still )?have (?:enough |any )?(?:communications? )?credits?(?: left)?`), build: always({ kind: 'balance' }) },
  // usage
  {
    pattern: rx(
      String.raw`how much (?:did|have|has) (?:we|i|the company|the org|our (?:company|org|organi[sz]ation|tenant)) (?:spend|spent|used|use)${SPENT_ON}(?: (.+))?`,
    ),
    build: (m) => usageFrom(m[1]),
  },
  { pattern: rx(String.raw`(?:what|how much) (?:did|do) (?:we|i) (?:spend|pay)${SPENT_ON}(?: (.+))?`), build: (m) => usageFrom(m[1]) },
  {
    pattern: rx(String.raw`(?:${WHAT_IS}|${SHOW}) (?:our |my |the )?(?:total )?(?:usage|spend|spending|costs?|bill|charges)(?: (.+))?`),
    build: (m) => usageFrom(m[1]),
  },
  { pattern: rx(String.raw`(?:our |my |the |total )(?:usage|spend|spending|costs)(?: (.+))?`), build: (m) => usageFrom(m[1]) },
  // meeting last
  { pattern: rx(String.raw`(?:how much|what) (?:did|does) ${LAST_MEETING} cost(?: (?:us|me))?`), build: always({ kind: 'meeting', which: 'last' }) },
  { pattern: rx(String.raw`how much (?:was|is) ${LAST_MEETING}`), build: always({ kind: 'meeting', which: 'last' }) },
  {
    pattern: rx(String.raw`(?:${WHAT_IS} )?(?:the )?(?:cost|price|bill|charge) (?:of|for) ${LAST_MEETING}`),
    build: always({ kind: 'meeting', which: 'last' }),
  },
  { pattern: rx(String.raw`(?:${SHOW} )?${LAST_MEETING}(?:'s)?(?: cost)?`), build: always({ kind: 'meeting', which: 'last' }) },
  // meetings
  { pattern: rx(String.raw`${SHOW}(?: (?:my|our|the|all|all my|all our))?(?: recent)? meetings`), build: always({ kind: 'meetings' }) },
  { pattern: rx(String.raw`(?:my|our|recent|all) (?:recent )?meetings`), build: always({ kind: 'meetings' }) },
  {
    pattern: rx(String.raw`(?:how much|what) (?:did|do|have) (?:my|our|the)(?: recent)? meetings cost(?: (?:us|me))?`),
    build: always({ kind: 'meetings' }),
  },
  // policy: mine
  { pattern: rx(String.raw`(?:${WHAT_IS}|${SHOW}) (?:my|our) ${POLICY}`), build: always({ kind: 'policy' }) },
  { pattern: rx(String.raw`(?:which|what) ${POLICY} (?:do|am) (?:i|we) (?:have|on|assigned|using|use)`), build: always({ kind: 'policy' }) },
  { pattern: rx(String.raw`my ${POLICY}`), build: always({ kind: 'policy' }) },
  {
    pattern: rx(String.raw`(?:(?:can|may) (?:i|we)|(?:am i|are we) allowed to) dial[- ]?out(?: (?:from|in) (?:my |our |a |the )?meetings?)?`),
    build: always({ kind: 'policy' }),
  },
  // policy: someone else's
  { pattern: rx(String.raw`(?:${WHAT_IS}|${SHOW}) ${USER}(?: ?'s?)? ${POLICY}`), build: (m, ctx) => policyOf(m[1], ctx) },
  { pattern: rx(String.raw`(?:${WHAT_IS}|${SHOW}) (?:the )?${POLICY} (?:of|for) ${USER}`), build: (m, ctx) => policyOf(m[1], ctx) },
  { pattern: rx(String.raw`(?:which|what) ${POLICY} (?:does|is) ${USER} (?:have|on|assigned|using|use)`), build: (m, ctx) => policyOf(m[1], ctx) },
  // rates
  {
    pattern: rx(String.raw`(?:what|how much) (?:does it|would it|will it|did it|does a call|do calls|would a call) cost(?: (?:us|me))? to ${CALL} (.+)`),
    build: (m, ctx) => ratesFrom(m[1], ctx),
  },
  {
    pattern: rx(String.raw`how much (?:(?:is it|would it be|does it cost|will it cost|would it cost|does it cost us) )?to ${CALL} (.+)`),
    build: (m, ctx) => ratesFrom(m[1], ctx),
  },
  {
    pattern: rx(
      String.raw`(?:${WHAT_IS} )?(?:the |our |your )?(?:dial[- ]?out |calling |call |per[- ]minute )?(?:rates?|prices?|costs?|charges?|tariffs?) (?:for|to|of|in) ${CALLING}?(.+)`,
    ),
    build: (m, ctx) => ratesFrom(m[1], ctx),
  },
  { pattern: rx(String.raw`how much (?:is|are|does|do) (?:a )?calls? to (.+?)(?: cost)?`), build: (m, ctx) => ratesFrom(m[1], ctx) },
  { pattern: rx(String.raw`(?:can|may|could) (?:i|we|you) (?:still )?(?:dial[- ]?out|call out|call|dial|phone|ring|reach)(?: to)? (.+)`), build: (m, ctx) => ratesFrom(m[1], ctx) },
  {
    pattern: rx(String.raw`(?:am i|are we) (?:allowed|able|permitted) to (?:dial[- ]?out|call out|call|dial|phone)(?: to)? (.+)`),
    build: (m, ctx) => ratesFrom(m[1], ctx),
  },
  { pattern: rx(String.raw`is (?:dialing|dialling|calling)(?: out)?(?: to)? (.+?) (?:allowed|possible|permitted)`), build: (m, ctx) => ratesFrom(m[1], ctx) },
  // Forms only: a question never changes anything, it at most opens the card where an admin can.
  { pattern: rx(String.raw`(?:add|buy|purchase|top up|topup)(?: (?:more|some))? (?:communications? )?credits?|top ?up`), build: always({ kind: 'credits_form' }) },
  { pattern: rx(String.raw`(?:set ?up|configure|change) auto[- ]?recharge`), build: always({ kind: 'autorecharge_form' }) },
];

function parseQuestion(text: string, ctx: Context): Command | undefined {
  for (const rule of QUESTIONS) {
    const m = rule.pattern.exec(text);
    if (!m) continue;
    const command = rule.build(m, ctx);
    if (command) return command;
  }
  return undefined;
}
