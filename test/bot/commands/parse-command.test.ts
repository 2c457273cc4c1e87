import { parseAmount } from '../../../src/billing/money';
import { parseCommand, type Command } from '../../../src/bot/commands/parse-command';

const JONAS = { mention: 'Jonas Becker' };
const AT_JONAS = '<at>Jonas Becker</at>';
const UPN = 'jonas@contoso.example';
const AAD = '00000000-0000-0000-0000-00000000a003';

/** The `usage` text of each invalid answer, written out here so a change to it shows up as a failing test. */
const USAGE = {
  balance: 'balance',
  meetings: 'meetings',
  usage: 'usage [this month | last month | 7d | 28d | YYYY-MM], e.g. usage last month',
  meeting: 'meeting [last | <conferenceId>], e.g. meeting last',
  rates: 'rates <country name | ISO code | +E.164 number>, e.g. rates Germany, rates DE or rates +4930123456',
  policy: 'policy [@user], e.g. policy @Jonas',
  credits: 'credits add <amount>, e.g. credits add 200',
  'credits add': 'credits add <amount>, e.g. credits add 200',
  autorecharge: 'autorecharge on <trigger> <amount> or autorecharge off, e.g. autorecharge on 50 200',
  'autorecharge on': 'autorecharge on <trigger> <amount>, e.g. autorecharge on 50 200 (below 50, add 200)',
  'autorecharge off': 'autorecharge off',
  'policy set':
    'policy set global <Policy> or policy set @user <Policy>, e.g. policy set global DialoutCPCandPSTNDomestic (leave out <Policy> to choose from the list)',
  license: 'license @user subscription|ppm|none [+credits|-credits], e.g. license @Jonas ppm +credits',
  tollfree: 'tollfree @user on|off, e.g. tollfree @Jonas off',
  admins: 'admins add @user or admins remove @user, e.g. admins add @Priya',
  'admins add': 'admins add @user, e.g. admins add @Priya',
  'admins remove': 'admins remove @user, e.g. admins remove @Priya',
  alerts: 'alerts low-balance <amount>, e.g. alerts low-balance 100',
  reconcile: 'reconcile [this month | last month | YYYY-MM], e.g. reconcile last month or reconcile 2026-11',
} as const;

const USER_FORMS = '@mention them, or give their UPN (name@contoso.com) or AAD object id.';

function amountMessage(text: string): string {
  const parsed = parseAmount(text);
  if (parsed.ok) throw new Error(`${text} is a valid amount`);
  return parsed.message;
}

const VALID: ReadonlyArray<[string, Command]> = [
  // help
  ['help', { kind: 'help' }],
  ['?', { kind: 'help' }],
  ['commands', { kind: 'help' }],
  ['help credits', { kind: 'help' }],
  // balance
  ['balance', { kind: 'balance' }],
  ['credits balance', { kind: 'balance' }],
  ['credit balance', { kind: 'balance' }],
  ['credits left', { kind: 'balance' }],
  // usage
  ['usage', { kind: 'usage', period: { kind: 'this_month' } }],
  ['usage this month', { kind: 'usage', period: { kind: 'this_month' } }],
  ['usage THIS MONTH', { kind: 'usage', period: { kind: 'this_month' } }],
  ['usage this-month', { kind: 'usage', period: { kind: 'this_month' } }],
  ['usage last month', { kind: 'usage', period: { kind: 'last_month' } }],
  ['usage previous month', { kind: 'usage', period: { kind: 'last_month' } }],
  ['usage for last month', { kind: 'usage', period: { kind: 'last_month' } }],
  ['usage 7d', { kind: 'usage', period: { kind: 'days', days: 7 } }],
  ['usage 7D', { kind: 'usage', period: { kind: 'days', days: 7 } }],
  ['usage 7 days', { kind: 'usage', period: { kind: 'days', days: 7 } }],
  ['usage 28d', { kind: 'usage', period: { kind: 'days', days: 28 } }],
  ['usage last 28 days', { kind: 'usage', period: { kind: 'days', days: 28 } }],
  ['usage 2025-03', { kind: 'usage', period: { kind: 'month', month: '2025-03' } }],
  ['usage 2024-12', { kind: 'usage', period: { kind: 'month', month: '2024-12' } }],
  // meetings / meeting
  ['meetings', { kind: 'meetings' }],
  ['meeting', { kind: 'meeting', which: 'last' }],
  ['meeting last', { kind: 'meeting', which: 'last' }],
  ['meeting LATEST', { kind: 'meeting', which: 'last' }],
  ['meeting 7ee2e6b57d1b4b88a0f1', { kind: 'meeting', which: { conferenceId: '7ee2e6b57d1b4b88a0f1' } }],
  ['meeting AbC-123', { kind: 'meeting', which: { conferenceId: 'AbC-123' } }],
  ['meeting 19:meeting_NjA@thread.v2', { kind: 'meeting', which: { conferenceId: '19:meeting_NjA@thread.v2' } }],
  // rates
  ['rates Germany', { kind: 'rates', query: 'Germany' }],
  ['rates germany', { kind: 'rates', query: 'germany' }],
  ['rates DE', { kind: 'rates', query: 'DE' }],
  ['rates de', { kind: 'rates', query: 'de' }],
  ['rate Brazil', { kind: 'rates', query: 'Brazil' }],
  ['rates United Kingdom', { kind: 'rates', query: 'United Kingdom' }],
  ['rates   United    States', { kind: 'rates', query: 'United States' }],
  ['rates the UK', { kind: 'rates', query: 'UK' }],
  ['rates the Netherlands', { kind: 'rates', query: 'the Netherlands' }],
  ['rates for Germany', { kind: 'rates', query: 'Germany' }],
  ['rates Côte d’Ivoire', { kind: 'rates', query: "Côte d'Ivoire" }],
  ['rates +4930123456', { kind: 'rates', query: '+4930123456' }],
  ['rates +49 30 123456', { kind: 'rates', query: '+49 30 123456' }],
  ['rates +1 (425) 555-0100', { kind: 'rates', query: '+1 (425) 555-0100' }],
  // Not E.164, still a rates question: the handler says what is wrong with the number.
  ['rates 004930123456', { kind: 'rates', query: '004930123456' }],
  ['rates 030-123456', { kind: 'rates', query: '030-123456' }],
  ['rates +49', { kind: 'rates', query: '+49' }],
  // policy
  ['policy', { kind: 'policy' }],
  [`policy ${AT_JONAS}`, { kind: 'policy', user: JONAS }],
  [`policy for ${AT_JONAS}`, { kind: 'policy', user: JONAS }],
  [`policy ${UPN}`, { kind: 'policy', user: { text: UPN } }],
  [`policy @${UPN}`, { kind: 'policy', user: { text: UPN } }],
  [`policy ${AAD}`, { kind: 'policy', user: { text: AAD } }],
  [`policy ${AAD.toUpperCase()}`, { kind: 'policy', user: { text: AAD.toUpperCase() } }],
  // credits
  ['credits', { kind: 'credits_form' }],
  ['credits add', { kind: 'credits_form' }],
  ['credits add 200', { kind: 'credits_add', amountMicros: 200_000_000 }],
  ['CREDITS ADD 200', { kind: 'credits_add', amountMicros: 200_000_000 }],
  ['credits add 12.50', { kind: 'credits_add', amountMicros: 12_500_000 }],
  ['credits add 0.000001', { kind: 'credits_add', amountMicros: 1 }],
  ['credit add 1000000000', { kind: 'credits_add', amountMicros: 1_000_000_000_000_000 }],
  // autorecharge
  ['autorecharge', { kind: 'autorecharge_form' }],
  ['autorecharge on', { kind: 'autorecharge_form' }],
  ['autorecharge on 50 200', { kind: 'autorecharge_on', triggerMicros: 50_000_000, amountMicros: 200_000_000 }],
  ['autorecharge ON 0 200', { kind: 'autorecharge_on', triggerMicros: 0, amountMicros: 200_000_000 }],
  ['auto-recharge on 10.5 100', { kind: 'autorecharge_on', triggerMicros: 10_500_000, amountMicros: 100_000_000 }],
  ['auto recharge on 1 2', { kind: 'autorecharge_on', triggerMicros: 1_000_000, amountMicros: 2_000_000 }],
  ['autorecharge off', { kind: 'autorecharge_off' }],
  ['AutoRecharge OFF', { kind: 'autorecharge_off' }],
  // policy set
  ['policy set', { kind: 'policy_form' }],
  ['policy set global', { kind: 'policy_form', target: 'global' }],
  [`policy set ${AT_JONAS}`, { kind: 'policy_form', target: JONAS }],
  ['policy set global DialoutCPCandPSTNDomestic', { kind: 'policy_set', target: 'global', policy: 'DialoutCPCandPSTNDomestic' }],
  ['POLICY SET GLOBAL dialoutcpcandpstndomestic', { kind: 'policy_set', target: 'global', policy: 'DialoutCPCandPSTNDomestic' }],
  ['policy set global Tag:DialoutCPCZoneAPSTNDisabled', { kind: 'policy_set', target: 'global', policy: 'DialoutCPCZoneAPSTNDisabled' }],
  [`policy set ${AT_JONAS} DialoutCPCDisabledPSTNDomestic`, { kind: 'policy_set', target: JONAS, policy: 'DialoutCPCDisabledPSTNDomestic' }],
  [`policy set ${UPN} DialoutCPCandPSTNInternational`, { kind: 'policy_set', target: { text: UPN }, policy: 'DialoutCPCandPSTNInternational' }],
  [`policy set ${AAD} DialoutCPCZoneAPSTNDomestic`, { kind: 'policy_set', target: { text: AAD }, policy: 'DialoutCPCZoneAPSTNDomestic' }],
  // license
  [`license ${AT_JONAS} subscription`, { kind: 'license_set', user: JONAS, plan: 'subscription' }],
  [`license ${AT_JONAS} ppm +credits`, { kind: 'license_set', user: JONAS, plan: 'ppm', credits: true }],
  [`license ${AT_JONAS} none -credits`, { kind: 'license_set', user: JONAS, plan: 'none', credits: false }],
  [`license ${UPN} PPM`, { kind: 'license_set', user: { text: UPN }, plan: 'ppm' }],
  [`licence ${AT_JONAS} pay-per-minute`, { kind: 'license_set', user: JONAS, plan: 'ppm' }],
  [`license ${AAD} Subscription +CREDITS`, { kind: 'license_set', user: { text: AAD }, plan: 'subscription', credits: true }],
  // Teams may turn "-" into an en dash.
  [`license ${AT_JONAS} ppm –credits`, { kind: 'license_set', user: JONAS, plan: 'ppm', credits: false }],
  // tollfree
  [`tollfree ${AT_JONAS} on`, { kind: 'tollfree_set', user: JONAS, on: true }],
  [`tollfree ${UPN} OFF`, { kind: 'tollfree_set', user: { text: UPN }, on: false }],
  [`toll-free ${AT_JONAS} off`, { kind: 'tollfree_set', user: JONAS, on: false }],
  [`toll free ${AAD} on`, { kind: 'tollfree_set', user: { text: AAD }, on: true }],
  // admins
  [`admins add ${AT_JONAS}`, { kind: 'admins_add', user: JONAS }],
  [`admins remove ${UPN}`, { kind: 'admins_remove', user: { text: UPN } }],
  [`admin add ${AAD}`, { kind: 'admins_add', user: { text: AAD } }],
  [`Admins Remove ${AT_JONAS}`, { kind: 'admins_remove', user: JONAS }],
  // alerts
  ['alerts low-balance 100', { kind: 'alerts_low_balance', amountMicros: 100_000_000 }],
  ['alerts low-balance 0', { kind: 'alerts_low_balance', amountMicros: 0 }],
  ['alerts low balance 25.5', { kind: 'alerts_low_balance', amountMicros: 25_500_000 }],
  ['alert LowBalance 10', { kind: 'alerts_low_balance', amountMicros: 10_000_000 }],
  // reconcile
  ['reconcile', { kind: 'reconcile', period: { kind: 'this_month' } }],
  ['reconcile this month', { kind: 'reconcile', period: { kind: 'this_month' } }],
  ['reconcile last month', { kind: 'reconcile', period: { kind: 'last_month' } }],
  ['reconcile for the previous month', { kind: 'reconcile', period: { kind: 'last_month' } }],
  ['reconcile 2026-11', { kind: 'reconcile', period: { kind: 'month', month: '2026-11' } }],
  ['reconciliation 2025-03', { kind: 'reconcile', period: { kind: 'month', month: '2025-03' } }],
];

/** Ways the same command reaches the bot: none of them may change the result. */
const DRESSINGS: ReadonlyArray<[string, (text: string) => string]> = [
  ['as typed', (t) => t],
  ['with a slash', (t) => `/${t}`],
  ['keyword upper-cased', (t) => t.replace(/^\S+/, (w) => w.toUpperCase())],
  ['keyword capitalized', (t) => t.replace(/^\S/, (c) => c.toUpperCase())],
  ['surrounded by spaces', (t) => `   ${t}  \n`],
  ['with doubled spaces and tabs', (t) => t.replace(/ (?![^<]*<\/at>)/g, ' \t ')],
  ['in a <p>', (t) => `<p>${t}</p>`],
  ['in a <div> with &nbsp;', (t) => `<div>&nbsp;${t.replace(/ (?![^<]*<\/at>)/g, '&nbsp;')}&nbsp;</div>`],
  ['with a trailing <br>', (t) => `<p>/${t}<br></p>`],
  ['ending with a question mark', (t) => `${t}?`],
  ['with please', (t) => `please ${t}`],
  ['with zero-width spaces', (t) => `\u200B${t}\u200B`],
];

describe('parseCommand: every command and its variants', () => {
  describe.each(DRESSINGS)('%s', (_name, dress) => {
    it.each(VALID)('%j', (text, expected) => {
      expect(parseCommand(dress(text))).toStrictEqual(expected);
    });
  });
});

describe('parseCommand: Teams HTML and mentions', () => {
  it.each<[string, Command]>([
    ['<p>credits add 200</p>', { kind: 'credits_add', amountMicros: 200_000_000 }],
    ['<div><p>/balance</p></div>', { kind: 'balance' }],
    ['balance&nbsp;', { kind: 'balance' }],
    ['&nbsp;&nbsp;/usage&nbsp;last&nbsp;month', { kind: 'usage', period: { kind: 'last_month' } }],
    ['<p>policy</p>\n<p><at>Jonas Becker</at></p>', { kind: 'policy', user: JONAS }],
    ['policy <at id="1">Jonas Becker</at>', { kind: 'policy', user: JONAS }],
    ['policy <AT>Jonas Becker</AT>', { kind: 'policy', user: JONAS }],
    ['policy<at>Jonas Becker</at>', { kind: 'policy', user: JONAS }],
    ['admins add <at>Anna &amp; Co</at>', { kind: 'admins_add', user: { mention: 'Anna & Co' } }],
    ['admins add <at> Zoë O’Brien </at>', { kind: 'admins_add', user: { mention: 'Zoë O’Brien' } }],
    ['admins add <at>山田 太郎</at>', { kind: 'admins_add', user: { mention: '山田 太郎' } }],
    [`admins add <a href="mailto:${UPN}">${UPN}</a>`, { kind: 'admins_add', user: { text: UPN } }],
    ['<p>rates <b>Germany</b></p>', { kind: 'rates', query: 'Germany' }],
    ['rates &#43;4930123456', { kind: 'rates', query: '+4930123456' }],
    ['rates <a href="tel:+4930123456">+49 30 123456</a>', { kind: 'rates', query: '+49 30 123456' }],
    ['<code>credits add 5</code>', { kind: 'credits_add', amountMicros: 5_000_000 }],
    ['`balance`', { kind: 'balance' }],
    // Full-width forms from East Asian keyboards are read as the ASCII they stand for.
    ['ｃｒｅｄｉｔｓ　ａｄｄ　２００', { kind: 'credits_add', amountMicros: 200_000_000 }],
    // A typed (escaped) "<at>" is text, not a mention.
    ['policy &lt;at&gt;Jonas&lt;/at&gt;', { kind: 'invalid', command: 'policy', problem: `"<at>Jonas</at>" is not a user: ${USER_FORMS}`, usage: USAGE.policy }],
    ['<at>Jonas Becker</at> balance', { kind: 'unknown', text: '@Jonas Becker balance' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toStrictEqual(expected);
  });
});

type InvalidCase = [text: string, command: keyof typeof USAGE, problem: string];

const INVALID: readonly InvalidCase[] = [
  ['balance now', 'balance', 'Nothing goes after "balance"; remove "now".'],
  ['meetings last month', 'meetings', 'Nothing goes after "meetings"; remove "last month".'],
  // usage: bad periods
  ['usage yesterday', 'usage', '"yesterday" is not a period: use this month, last month, 7d, 28d or a month as YYYY-MM.'],
  ['usage last year', 'usage', '"last year" is not a period: use this month, last month, 7d, 28d or a month as YYYY-MM.'],
  ['usage 30d', 'usage', '"30d" is not a period Tollgate reports on: use 7d or 28d.'],
  ['usage last 90 days', 'usage', '"last 90 days" is not a period Tollgate reports on: use 7d or 28d.'],
  ['usage 2025-13', 'usage', '"2025-13" has no month 13: use YYYY-MM with a month from 01 to 12.'],
  ['usage 2025-00', 'usage', '"2025-00" has no month 00: use YYYY-MM with a month from 01 to 12.'],
  ['usage 2025-3', 'usage', 'Write the month with two digits: 2025-03.'],
  ['usage 03/2025', 'usage', '"03/2025" is not a period: use this month, last month, 7d, 28d or a month as YYYY-MM.'],
  // meeting
  ['meeting last week', 'meeting', '"last week" is not a meeting: give "last" or one conference id (it has no spaces).'],
  [`meeting ${AT_JONAS}`, 'meeting', '"@Jonas Becker" is not a meeting: give "last" or a conference id.'],
  // rates
  ['rates', 'rates', 'Say which country or number, e.g. rates Germany.'],
  ['/rates   ', 'rates', 'Say which country or number, e.g. rates Germany.'],
  ['rates for', 'rates', '"for" is not a country, a two-letter country code or a phone number.'],
  ['rates Atlantis', 'rates', '"Atlantis" is not a country, a two-letter country code or a phone number.'],
  ['rates ZZ', 'rates', '"ZZ" is not a country, a two-letter country code or a phone number.'],
  ['rates DEU', 'rates', '"DEU" is not a country, a two-letter country code or a phone number.'],
  [`rates ${AT_JONAS}`, 'rates', '"@Jonas Becker" is not a country, a two-letter country code or a phone number.'],
  ['rates tel:+4930123456', 'rates', '"tel:+4930123456" is not a country, a two-letter country code or a phone number.'],
  // policy [@user]
  ['policy Jonas', 'policy', `"Jonas" is not a user: ${USER_FORMS}`],
  [
    'policy @Jonas',
    'policy',
    '"@Jonas" is not a linked @mention: pick the person from the list Teams shows when you type @, or give their UPN (name@contoso.com) or AAD object id.',
  ],
  ['policy <at></at>', 'policy', 'The @mention has no name: mention the person again.'],
  [`policy ${AT_JONAS} please now`, 'policy', 'Nothing goes after "policy @Jonas Becker"; remove "please now".'],
  ['policy global', 'policy', `"global" is not a user: ${USER_FORMS}`],
  // credits add <amount>
  ['credits remove 5', 'credits', '"remove" is not something credits can do: use credits add <amount>.'],
  ['credits balance now', 'credits', 'Nothing goes after "credits balance"; remove "now".'],
  ['credits add abc', 'credits add', amountMessage('abc')],
  ['credits add -5', 'credits add', amountMessage('-5')],
  ['credits add +5', 'credits add', amountMessage('+5')],
  ['credits add 1,000', 'credits add', amountMessage('1,000')],
  ['credits add 1e3', 'credits add', amountMessage('1e3')],
  ['credits add 12.5.0', 'credits add', amountMessage('12.5.0')],
  ['credits add .5', 'credits add', amountMessage('.5')],
  ['credits add 12.', 'credits add', amountMessage('12.')],
  ['credits add 1.1234567', 'credits add', amountMessage('1.1234567')],
  ['credits add 2000000000', 'credits add', amountMessage('2000000000')],
  ['credits add $200', 'credits add', amountMessage('$200')],
  ['credits add 1 000', 'credits add', amountMessage('1 000')],
  ['credits add 0', 'credits add', 'The amount must be more than 0.'],
  ['credits add 0.000000', 'credits add', 'The amount must be more than 0.'],
  ['credits add 200 USD', 'credits add', 'Only the amount goes after "credits add"; remove "USD".'],
  [`credits add ${AT_JONAS}`, 'credits add', amountMessage('@Jonas Becker')],
  // autorecharge
  ['autorecharge maybe', 'autorecharge', '"maybe" is not on or off.'],
  ['autorecharge 50 200', 'autorecharge', '"50" is not on or off.'],
  ['autorecharge off now', 'autorecharge off', 'Nothing goes after "autorecharge off"; remove "now".'],
  ['autorecharge on 50', 'autorecharge on', 'The amount to add is missing.'],
  ['autorecharge on abc 200', 'autorecharge on', `Trigger: ${amountMessage('abc')}`],
  ['autorecharge on -1 200', 'autorecharge on', `Trigger: ${amountMessage('-1')}`],
  ['autorecharge on 50 abc', 'autorecharge on', `Amount: ${amountMessage('abc')}`],
  ['autorecharge on 50 12.', 'autorecharge on', `Amount: ${amountMessage('12.')}`],
  ['autorecharge on 50 0', 'autorecharge on', 'The amount to add must be more than 0.'],
  ['autorecharge on 50 200 USD', 'autorecharge on', 'Only the amount goes after "autorecharge on 50"; remove "USD".'],
  // policy set global|@user <Policy>
  [
    'policy set global DialoutEverywhere',
    'policy set',
    '"DialoutEverywhere" is not a dial-out policy. Send "policy set global" without a name to choose from the list.',
  ],
  [
    `policy set ${AT_JONAS} Nope`,
    'policy set',
    '"Nope" is not a dial-out policy. Send "policy set @Jonas Becker" without a name to choose from the list.',
  ],
  [
    'policy set global cpcandpstndomestic',
    'policy set',
    '"cpcandpstndomestic" is not a dial-out policy. Did you mean DialoutCPCandPSTNDomestic? Send "policy set global" without a name to choose from the list.',
  ],
  [
    `policy set global ${AT_JONAS}`,
    'policy set',
    '"@Jonas Becker" is not a dial-out policy. Send "policy set global" without a name to choose from the list.',
  ],
  ['policy set DialoutCPCandPSTNDomestic', 'policy set', 'Say whose policy to set before the policy name: global or @user.'],
  ['policy set Jonas DialoutCPCandPSTNDomestic', 'policy set', `Say global or a user before the policy name. "Jonas" is not a user: ${USER_FORMS}`],
  [
    'policy set global DialoutCPCandPSTNDomestic now',
    'policy set',
    'Nothing goes after "policy set global DialoutCPCandPSTNDomestic"; remove "now".',
  ],
  // license @user subscription|ppm|none [+credits|-credits]
  ['license', 'license', 'Say whose license to set: @mention them, or give their UPN or AAD object id.'],
  ['license Jonas ppm', 'license', `"Jonas" is not a user: ${USER_FORMS}`],
  [`license ${AT_JONAS}`, 'license', 'The license plan is missing: subscription, ppm or none.'],
  [`license ${AT_JONAS} gold`, 'license', '"gold" is not a license plan: use subscription, ppm or none.'],
  [`license ${AT_JONAS} constructor`, 'license', '"constructor" is not a license plan: use subscription, ppm or none.'],
  [`license ${AT_JONAS} __proto__`, 'license', '"__proto__" is not a license plan: use subscription, ppm or none.'],
  [`license ${AT_JONAS} ppm credits`, 'license', '"credits" is not +credits or -credits.'],
  [`license ${AT_JONAS} ppm +credits now`, 'license', 'Nothing goes after "license @Jonas Becker ppm +credits"; remove "now".'],
  // tollfree @user on|off
  ['tollfree', 'tollfree', "Say whose toll-free dial-in to switch: @mention them, or give their UPN or AAD object id."],
  [`tollfree ${AT_JONAS}`, 'tollfree', 'Say on or off.'],
  [`tollfree ${AT_JONAS} maybe`, 'tollfree', '"maybe" is not on or off.'],
  ['tollfree on', 'tollfree', `"on" is not a user: ${USER_FORMS}`],
  [`tollfree ${AT_JONAS} off now`, 'tollfree', 'Nothing goes after "tollfree @Jonas Becker off"; remove "now".'],
  // admins add|remove @user
  ['admins', 'admins', 'Say add or remove, and who.'],
  ['admins list', 'admins', '"list" is not add or remove.'],
  ['admins add', 'admins add', 'The user is missing: @mention them, or give their UPN or AAD object id.'],
  ['admins remove', 'admins remove', 'The user is missing: @mention them, or give their UPN or AAD object id.'],
  ['admins remove Jonas', 'admins remove', `"Jonas" is not a user: ${USER_FORMS}`],
  ['admins add jonas@contoso', 'admins add', `"jonas@contoso" is not a user: ${USER_FORMS}`],
  [`admins add ${AT_JONAS} <at>Priya</at>`, 'admins add', 'Nothing goes after "admins add @Jonas Becker"; remove "@Priya".'],
  // alerts low-balance <amount>
  ['alerts', 'alerts', 'Say which alert: low-balance.'],
  ['alerts high-balance 5', 'alerts', '"high-balance" is not an alert Tollgate has: use low-balance.'],
  ['alerts low-balance', 'alerts', 'The low-balance amount is missing.'],
  ['alerts low-balance -5', 'alerts', amountMessage('-5')],
  ['alerts low-balance ten', 'alerts', amountMessage('ten')],
  ['alerts low-balance 10 USD', 'alerts', 'Only the amount goes after "alerts low-balance"; remove "USD".'],
  // reconcile [this month | last month | YYYY-MM]: calendar months only
  ['reconcile 7d', 'reconcile', '"7d" is not a calendar month: use this month, last month or a month as YYYY-MM.'],
  ['reconcile last 28 days', 'reconcile', '"last 28 days" is not a calendar month: use this month, last month or a month as YYYY-MM.'],
  ['reconcile yesterday', 'reconcile', '"yesterday" is not a calendar month: use this month, last month or a month as YYYY-MM.'],
  [`reconcile ${AT_JONAS}`, 'reconcile', '"@Jonas Becker" is not a calendar month: use this month, last month or a month as YYYY-MM.'],
  ['reconcile 2026-13', 'reconcile', '"2026-13" has no month 13: use YYYY-MM with a month from 01 to 12.'],
  ['reconcile 2026-3', 'reconcile', 'Write the month with two digits: 2026-03.'],
];

describe('parseCommand: invalid input names the problem and the right form', () => {
  it.each(INVALID)('%j', (text, command, problem) => {
    expect(parseCommand(text)).toStrictEqual({ kind: 'invalid', command, problem, usage: USAGE[command] });
  });

  it.each(INVALID)('%j is invalid the same way with a slash, in HTML and upper-cased keyword', (text, command, problem) => {
    const expected = { kind: 'invalid', command, problem, usage: USAGE[command] };
    expect(parseCommand(`<p>/${text.replace(/^\//, '')}</p>`)).toStrictEqual(expected);
    expect(parseCommand(text.replace(/^\S+/, (w) => w.toUpperCase()))).toStrictEqual(expected);
  });

  it('quotes parseAmount exactly for a bad amount (the issue example)', () => {
    const result = parseCommand('credits add twelve');
    expect(result).toStrictEqual({
      kind: 'invalid',
      command: 'credits add',
      problem: '"twelve" is not a number. Enter a plain decimal number with a dot and at most 6 decimal places, e.g. 50 or 12.50.',
      usage: 'credits add <amount>, e.g. credits add 200',
    });
  });

  it('starts an unknown policy name the way the issue says', () => {
    const result = parseCommand('policy set global DialoutEverywhere');
    expect(result.kind === 'invalid' && result.problem.startsWith('"DialoutEverywhere" is not a dial-out policy')).toBe(true);
  });
});

const QUESTIONS: ReadonlyArray<[string, Command]> = [
  // help
  ['help me', { kind: 'help' }],
  ['what can you do?', { kind: 'help' }],
  ['What can I ask you?', { kind: 'help' }],
  ['how do I use this', { kind: 'help' }],
  ['show me the commands', { kind: 'help' }],
  ['hi', { kind: 'help' }],
  ['Hello!', { kind: 'help' }],
  // balance
  ["what's our balance?", { kind: 'balance' }],
  ['What’s our balance?', { kind: 'balance' }],
  ['whats the balance', { kind: 'balance' }],
  ['what is our credit balance', { kind: 'balance' }],
  ['what is my current balance', { kind: 'balance' }],
  ['how much credit do we have left?', { kind: 'balance' }],
  ['How many credits do we have?', { kind: 'balance' }],
  ['how much is left', { kind: 'balance' }],
  ['show me the balance', { kind: 'balance' }],
  ['check our balance please', { kind: 'balance' }],
  ['can you tell me our balance', { kind: 'balance' }],
  ['tell me what our balance is', { kind: 'balance' }],
  ['remaining credits', { kind: 'balance' }],
  ['are we running low on credits', { kind: 'balance' }],
  ['Hi Tollgate, what is our Communications Credits balance, please?', { kind: 'balance' }],
  // usage
  ['how much did we spend last month', { kind: 'usage', period: { kind: 'last_month' } }],
  ['How much did we spend last month?', { kind: 'usage', period: { kind: 'last_month' } }],
  ['how much have we spent this month', { kind: 'usage', period: { kind: 'this_month' } }],
  ['how much have we spent so far this month?', { kind: 'usage', period: { kind: 'this_month' } }],
  ['how much did we spend', { kind: 'usage', period: { kind: 'this_month' } }],
  ['how much did we spend on audio conferencing in the last 7 days', { kind: 'usage', period: { kind: 'days', days: 7 } }],
  ['how much have we spent on dial-out over the past 28 days', { kind: 'usage', period: { kind: 'days', days: 28 } }],
  ['what did we spend in 2025-02', { kind: 'usage', period: { kind: 'month', month: '2025-02' } }],
  ['what was our spend last month', { kind: 'usage', period: { kind: 'last_month' } }],
  ['what are our costs this month', { kind: 'usage', period: { kind: 'this_month' } }],
  ['show me our usage for the previous month', { kind: 'usage', period: { kind: 'last_month' } }],
  // meeting last
  ['how much did my last meeting cost', { kind: 'meeting', which: 'last' }],
  ['How much did my last meeting cost?', { kind: 'meeting', which: 'last' }],
  ['what did the last meeting cost us', { kind: 'meeting', which: 'last' }],
  ['how much was my latest meeting', { kind: 'meeting', which: 'last' }],
  ["what's the cost of my last meeting", { kind: 'meeting', which: 'last' }],
  ['cost of our most recent meeting', { kind: 'meeting', which: 'last' }],
  ['my last meeting', { kind: 'meeting', which: 'last' }],
  ['show me my previous call', { kind: 'meeting', which: 'last' }],
  // meetings
  ['show me my meetings', { kind: 'meetings' }],
  ['list our recent meetings', { kind: 'meetings' }],
  ['my meetings', { kind: 'meetings' }],
  ['what did our meetings cost', { kind: 'meetings' }],
  // rates
  ['what does it cost to call Germany', { kind: 'rates', query: 'Germany' }],
  ['What does it cost to call Germany?', { kind: 'rates', query: 'Germany' }],
  ['how much does it cost to call the UK', { kind: 'rates', query: 'UK' }],
  ['how much to call france', { kind: 'rates', query: 'france' }],
  ['how much is a call to Japan', { kind: 'rates', query: 'Japan' }],
  ['how much does a call to India cost', { kind: 'rates', query: 'India' }],
  ["what's the rate for Brazil", { kind: 'rates', query: 'Brazil' }],
  ['what are the rates for calling the Netherlands', { kind: 'rates', query: 'the Netherlands' }],
  ['what is the per-minute rate to dial out to Mexico', { kind: 'rates', query: 'Mexico' }],
  ["what's the rate for +49 30 123456", { kind: 'rates', query: '+49 30 123456' }],
  ['cost of calling Spain', { kind: 'rates', query: 'Spain' }],
  ['price to call DE', { kind: 'rates', query: 'DE' }],
  ['can I dial out to Brazil', { kind: 'rates', query: 'Brazil' }],
  ['Can I dial out to Brazil?', { kind: 'rates', query: 'Brazil' }],
  ['can we call Canada from our meetings', { kind: 'rates', query: 'Canada' }],
  ['can I call a number in Italy', { kind: 'rates', query: 'Italy' }],
  ['can I call +14255550100', { kind: 'rates', query: '+14255550100' }],
  ['can I call 030 1234567', { kind: 'rates', query: '030 1234567' }],
  ['am I allowed to dial out to South Korea', { kind: 'rates', query: 'South Korea' }],
  ['is calling Türkiye allowed', { kind: 'rates', query: 'Türkiye' }],
  // policy
  ['what is my dial-out policy', { kind: 'policy' }],
  ["what's my dialout policy?", { kind: 'policy' }],
  ['what is my outbound calling policy', { kind: 'policy' }],
  ['which dial-out policy do I have', { kind: 'policy' }],
  ['show my policy', { kind: 'policy' }],
  ['my dial out policy', { kind: 'policy' }],
  ['can I dial out', { kind: 'policy' }],
  ['can I dial out from meetings?', { kind: 'policy' }],
  [`what is ${AT_JONAS}'s dial-out policy`, { kind: 'policy', user: JONAS }],
  [`what is ${AT_JONAS}’s policy`, { kind: 'policy', user: JONAS }],
  [`what is the dial-out policy of ${AT_JONAS}`, { kind: 'policy', user: JONAS }],
  [`what's the policy for ${UPN}`, { kind: 'policy', user: { text: UPN } }],
  [`what is ${UPN}'s policy`, { kind: 'policy', user: { text: UPN } }],
  [`which dial-out policy does ${AT_JONAS} have`, { kind: 'policy', user: JONAS }],
  // Forms only: a question never changes anything by itself.
  ['add credits', { kind: 'credits_form' }],
  ['buy more credits', { kind: 'credits_form' }],
  ['top up', { kind: 'credits_form' }],
  ['set up auto-recharge', { kind: 'autorecharge_form' }],
];

describe('parseCommand: plain questions map to the same commands', () => {
  it.each(QUESTIONS)('%j', (text, expected) => {
    expect(parseCommand(text)).toStrictEqual(expected);
  });

  it.each(QUESTIONS)('%j in Teams HTML', (text, expected) => {
    expect(parseCommand(`<p>${text.replace(/ (?![^<]*<\/at>)/g, '&nbsp;')}</p>`)).toStrictEqual(expected);
  });
});

describe('parseCommand: anything else is unknown, never a guess', () => {
  it.each<[string, string]>([
    ['', ''],
    ['   ', ''],
    ['<p></p>', ''],
    ['&nbsp;', ''],
    ['/', '/'],
    ['//balance', '//balance'],
    ['/foo', '/foo'],
    ['balances', 'balances'],
    ['creditsadd 200', 'creditsadd 200'],
    ['hello world', 'hello world'],
    ['what is the weather', 'what is the weather'],
    ['tell me a joke', 'tell me a joke'],
    ['what is the weather, please?', 'what is the weather, please?'],
    ['add 200 credits', 'add 200 credits'],
    ['turn off auto-recharge', 'turn off auto-recharge'],
    ['delete all the credits', 'delete all the credits'],
    // Natural questions whose object is not understood: no guessing.
    ['can I call my mom', 'can I call my mom'],
    ['can I call you later', 'can I call you later'],
    ['can we call us', 'can we call us'],
    ['can I call it', 'can I call it'],
    ['what does it cost to call Atlantis', 'what does it cost to call Atlantis'],
    ['can I call <at>Jonas Becker</at>', 'can I call @Jonas Becker'],
    ['how much did we spend yesterday', 'how much did we spend yesterday'],
    ['how much did we spend on pizza', 'how much did we spend on pizza'],
    ['what is the dial-out policy', 'what is the dial-out policy'],
    ['what is Jonas policy', 'what is Jonas policy'],
    ['<p>hello&nbsp;<at>Jonas</at></p>', 'hello @Jonas'],
    ['hello <at>A &amp; B</at>', 'hello @A & B'],
    // Words that are also members of every JavaScript object.
    ['constructor', 'constructor'],
    ['toString', 'toString'],
    ['__proto__', '__proto__'],
    ['hasOwnProperty balance', 'hasOwnProperty balance'],
  ])('%j', (text, shown) => {
    expect(parseCommand(text)).toStrictEqual({ kind: 'unknown', text: shown });
  });

  it('echoes at most 300 characters of a long message', () => {
    const result = parseCommand(`hello ${'a'.repeat(5000)}`);
    expect(result.kind).toBe('unknown');
    expect(result.kind === 'unknown' && result.text).toBe(`hello ${'a'.repeat(294)}…`);
  });

  it('does not read a command out of a very long message', () => {
    expect(parseCommand(`rates ${'Germany '.repeat(200)}`).kind).toBe('unknown');
    expect(parseCommand(`credits add ${'9'.repeat(2000)}`).kind).toBe('unknown');
  });

  it('treats a non-string (an activity without text) as unknown', () => {
    expect(parseCommand(undefined as unknown as string)).toStrictEqual({ kind: 'unknown', text: '' });
    expect(parseCommand(null as unknown as string)).toStrictEqual({ kind: 'unknown', text: '' });
  });
});

describe('parseCommand: options', () => {
  it("reads country names in the user's language", () => {
    expect(parseCommand('rates Deutschland', { locale: 'de' })).toStrictEqual({ kind: 'rates', query: 'Deutschland' });
    expect(parseCommand('rates Deutschland').kind).toBe('invalid');
  });
});

describe('parseCommand: results are fresh objects', () => {
  it('returns a new object each time, so a caller may change it safely', () => {
    const a = parseCommand('balance');
    const b = parseCommand('balance');
    expect(a).not.toBe(b);
    (a as { kind: string }).kind = 'help';
    expect(parseCommand('balance')).toStrictEqual({ kind: 'balance' });
  });
});
