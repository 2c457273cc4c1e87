import type { CardContext } from './card-context';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './help-card.json';

/** One command as the parser documents it (commands/parse-command.ts COMMAND_HELP has this shape). */
export interface HelpEntry {
  usage: string;
  description: string;
  admin: boolean;
  /** A complete command to copy, e.g. 'credits add 200'; not shown when it is the usage itself. */
  example?: string;
}

interface HelpGroup {
  title: string;
  commands: { usage: string; description: string; hasExample: boolean; example: string }[];
}

interface HelpCardModel {
  intro: string;
  groups: HelpGroup[];
  footer: string;
}

const expand = cardExpander<HelpCardModel>('help card', template);

// Groups by the command's first word, in this order; a command not listed here lands in "More".
const EVERYONE_GROUPS: readonly [string, readonly string[]][] = [
  ['Costs', ['balance', 'usage', 'meetings', 'meeting']],
  ['Rates and policies', ['rates', 'policy']],
  ['Help', ['help']],
];
const ADMIN_GROUPS: readonly [string, readonly string[]][] = [
  ['Admin: Communications Credits', ['credits', 'autorecharge', 'alerts']],
  ['Admin: policies and licenses', ['policy', 'license', 'tollfree']],
  ['Admin: Tollgate admins', ['admins']],
];

function firstWord(usage: string): string {
  return usage.trim().replace(/^\//, '').split(/\s+/)[0]?.toLowerCase() ?? '';
}

function group(entries: readonly HelpEntry[], groups: readonly [string, readonly string[]][], rest: string): HelpGroup[] {
  const out = groups.map(([title]) => ({ title, commands: [] as HelpGroup['commands'] }));
  const more: HelpGroup = { title: rest, commands: [] };
  for (const e of entries) {
    const at = groups.findIndex(([, words]) => words.includes(firstWord(e.usage)));
    const example = e.example?.trim() ?? '';
    const hasExample = example !== '' && example !== e.usage.trim();
    (at >= 0 ? out[at]! : more).commands.push({ usage: e.usage, description: e.description, hasExample, example });
  }
  return [...out, more].filter((g) => g.commands.length > 0);
}

/** The commands a user may use, grouped; admins also see the admin commands, everyone else learns they exist. */
export function buildHelpCard(entries: readonly HelpEntry[], ctx: Pick<CardContext, 'isAdmin'>): AdaptiveCardJson {
  const everyone = entries.filter((e) => !e.admin);
  const admin = entries.filter((e) => e.admin);
  const groups = [...group(everyone, EVERYONE_GROUPS, 'More'), ...(ctx.isAdmin ? group(admin, ADMIN_GROUPS, 'Admin: more') : [])];
  return expand({
    intro:
      'Ask about Teams Audio Conferencing costs: your Communications Credits balance, what each meeting\'s dial-in and dial-out calls cost, and which dial-out policy applies. ' +
      'Type a command with or without a leading "/", or just ask, e.g. "how much did my last meeting cost?".',
    groups,
    footer: ctx.isAdmin
      ? 'You are a Tollgate admin: changes you make are recorded with your name.'
      : 'Tollgate admins can also add credits, set auto-recharge, and change licenses and dial-out policies. Ask one of them if you need a change.',
  });
}
