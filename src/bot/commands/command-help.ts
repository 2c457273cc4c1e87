/**
 * What each chat command looks like, in one place: the help card lists COMMAND_HELP, and the parser's
 * `invalid` answers quote COMMAND_USAGE, so the form a user is told to type is always the form the parser reads.
 */

export interface CommandHelpEntry {
  /** The command's form, e.g. 'credits add <amount>'. */
  readonly usage: string;
  readonly description: string;
  /** Only Tollgate admins may run it (the bot checks; the parser does not). */
  readonly admin: boolean;
  /** A complete command a user can copy, e.g. 'credits add 200'. */
  readonly example: string;
}

export const COMMAND_HELP: readonly CommandHelpEntry[] = [
  { usage: 'help', description: 'What Tollgate can do.', admin: false, example: 'help' },
  { usage: 'balance', description: "The organization's Communications Credits balance.", admin: false, example: 'balance' },
  {
    usage: 'usage [this month | last month | 7d | 28d | YYYY-MM]',
    description: 'What audio conferencing cost over a period (this month unless you name one).',
    admin: false,
    example: 'usage last month',
  },
  { usage: 'meetings', description: 'Recent meetings and what each one cost.', admin: false, example: 'meetings' },
  {
    usage: 'meeting [last | <conferenceId>]',
    description: "One meeting's dial-in and dial-out calls and their cost (your last meeting unless you give its id).",
    admin: false,
    example: 'meeting last',
  },
  {
    usage: 'rates <country name | ISO code | +E.164 number>',
    description: 'The per-minute rate to call a country or number, and whether your dial-out policy allows it.',
    admin: false,
    example: 'rates Germany',
  },
  { usage: 'policy [@user]', description: 'Your dial-out policy (or a colleague\'s) and what it allows.', admin: false, example: 'policy' },
  {
    usage: 'credits add <amount>',
    description: 'Add Communications Credits. "credits" alone opens the form.',
    admin: true,
    example: 'credits add 200',
  },
  {
    usage: 'autorecharge on <trigger> <amount>',
    description: 'When the balance falls below <trigger>, add <amount> automatically. "autorecharge" alone opens the form.',
    admin: true,
    example: 'autorecharge on 50 200',
  },
  { usage: 'autorecharge off', description: 'Stop recharging automatically.', admin: true, example: 'autorecharge off' },
  {
    usage: 'policy set global <Policy>',
    description: 'Set the tenant-wide dial-out policy. Leave out <Policy> to choose from the list.',
    admin: true,
    example: 'policy set global DialoutCPCandPSTNDomestic',
  },
  {
    usage: 'policy set @user <Policy>',
    description: "Set one user's dial-out policy. Leave out <Policy> to choose from the list.",
    admin: true,
    example: 'policy set @Jonas DialoutCPCZoneAPSTNInternational',
  },
  {
    usage: 'license @user subscription|ppm|none [+credits|-credits]',
    description: "Set a user's Audio Conferencing license (subscription or pay-per-minute) and add or remove Communications Credits.",
    admin: true,
    example: 'license @Jonas ppm +credits',
  },
  { usage: 'tollfree @user on|off', description: "Allow or block toll-free dial-in to a user's meetings.", admin: true, example: 'tollfree @Jonas off' },
  { usage: 'admins add @user', description: 'Make someone a Tollgate admin.', admin: true, example: 'admins add @Priya' },
  { usage: 'admins remove @user', description: 'Take away Tollgate admin rights.', admin: true, example: 'admins remove @Priya' },
  {
    usage: 'alerts low-balance <amount>',
    description: 'Warn the admins when the balance falls below <amount>.',
    admin: true,
    example: 'alerts low-balance 100',
  },
  {
    usage: 'reconcile [this month | last month | YYYY-MM]',
    description: "Compare Tollgate's charges with what Microsoft billed for a month (this month unless you name one), and why they differ.",
    admin: true,
    example: 'reconcile last month',
  },
  {
    usage: 'digest [last month | YYYY-MM]',
    description: "The monthly digest admins get on the 1st: a month's spend, the change from the month before, top meetings and organizers, the pool (last month unless you name one).",
    admin: true,
    example: 'digest 2026-10',
  },
  {
    usage: 'advisor [<months> months]',
    description:
      'Which organizers are cheaper on the Audio Conferencing subscription and which on pay-per-minute, from their calls of the last 3 months (or as many as you say), with a button to switch each one.',
    admin: true,
    example: 'advisor',
  },
  {
    usage: 'advisor price <amount>',
    description: 'What the Audio Conferencing subscription costs a month per user, for the advisor.',
    admin: true,
    example: 'advisor price 8',
  },
  { usage: 'incidents', description: 'Open toll-fraud incidents: what happened, who, the cost so far, and what to do.', admin: true, example: 'incidents' },
  {
    usage: 'fraud settings',
    description: "The toll-fraud guard's rules, thresholds, time zones and block list.",
    admin: true,
    example: 'fraud settings',
  },
  {
    usage: 'fraud blocking on|off',
    description: 'Refuse dial-outs that look like toll fraud as they are placed (on), or allow and flag them (off, the default).',
    admin: true,
    example: 'fraud blocking on',
  },
  {
    usage: 'fraud set <setting> <value>',
    description: 'Change a threshold, a rule or a time zone of the toll-fraud guard ("fraud settings" lists them).',
    admin: true,
    example: 'fraud set rate-ceiling 1.50',
  },
  {
    usage: 'fraud block|unblock <+prefix | country>',
    description: 'Add a destination to the dial-out block list, or take it off.',
    admin: true,
    example: 'fraud unblock +449',
  },
];

/**
 * The `usage` text of an `invalid` answer, by the `command` it names: the right form(s) and an example.
 * Keys are the `command` values parseCommand puts in `invalid` answers.
 */
export const COMMAND_USAGE = {
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
    'policy set global <Policy> or policy set @user <Policy>, e.g. policy set global DialoutCPCandPSTNDomestic ' +
    '(leave out <Policy> to choose from the list)',
  license: 'license @user subscription|ppm|none [+credits|-credits], e.g. license @Jonas ppm +credits',
  tollfree: 'tollfree @user on|off, e.g. tollfree @Jonas off',
  admins: 'admins add @user or admins remove @user, e.g. admins add @Priya',
  'admins add': 'admins add @user, e.g. admins add @Priya',
  'admins remove': 'admins remove @user, e.g. admins remove @Priya',
  alerts: 'alerts low-balance <amount>, e.g. alerts low-balance 100',
  reconcile: 'reconcile [this month | last month | YYYY-MM], e.g. reconcile last month or reconcile 2026-11',
  digest: 'digest [last month | YYYY-MM], e.g. digest or digest 2026-10',
  advisor: 'advisor [<months> months], from 1 to 12 months, e.g. advisor or advisor 6 months',
  'advisor price': 'advisor price <amount>, the subscription\'s monthly price per user, e.g. advisor price 8',
  incidents: 'incidents',
  fraud:
    'fraud settings, fraud blocking on|off, fraud set <setting> <value>, fraud block <+prefix | country>, fraud unblock <+prefix | country>, ' +
    'e.g. fraud set night-hours 22-6',
} as const satisfies Record<string, string>;

export type InvalidCommandName = keyof typeof COMMAND_USAGE;
