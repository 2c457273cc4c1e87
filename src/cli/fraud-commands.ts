import { Option } from 'commander';
import { formatMoney } from '../billing/money';
import { FRAUD_PATTERNS, PATTERN_WORDS } from '../fraud/fraud-patterns';
import { describeSettings, ruleEnabled } from '../fraud/fraud-settings';
import type { IncidentDecision } from '../fraud/fraud-admin';
import { blockTargetWords, incidentSummary, statusWords, type IncidentView } from '../fraud/incident-words';
import { must, tenantCurrency, type RegisterCommands } from './cli-context';
import { UsageError } from './io';

const CLI_ACTOR = 'cli';
const tenantOption = () => new Option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id)').makeOptionMandatory();

/**
 * The toll-fraud guard from the command line, the same as `incidents` and `fraud …` in Teams:
 *   tollgate incidents --tenant T [--all] [--json]
 *   tollgate fraud incident <id> [restrict|block|dismiss] --tenant T [--json]
 *   tollgate fraud settings --tenant T [--json]
 *   tollgate fraud set <setting> <value…> --tenant T
 *   tollgate fraud blocking on|off --tenant T
 *   tollgate fraud block|unblock <+prefix | country> --tenant T
 */
export const registerFraudCommands: RegisterCommands = (program, ctx) => {
  program
    .command('incidents')
    .description('open toll-fraud incidents (what happened, organizer, calls, cost so far), latest first')
    .addOption(tenantOption())
    .option('--all', 'resolved and dismissed incidents too')
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; all?: boolean; json?: boolean }) => {
      const t = await ctx.open();
      const currency = await tenantCurrency(t, o.tenant);
      const list = must(await t.fraud.incidents(o.tenant, { all: o.all }));
      if (o.json) return ctx.json(list.map((i) => ({ ...i, summary: incidentSummary(i, currency) })));
      ctx.io.out(incidentsText(list, currency, o.all === true));
    });

  const fraud = program.command('fraud').description('the toll-fraud guard: settings, block list, incident decisions').exitOverride();

  fraud
    .command('incident <incidentId> [decision]')
    .description('show an incident; with restrict, block or dismiss: decide it (audited)')
    .addOption(tenantOption())
    .option('--json', 'machine-readable output')
    .action(async (id: string, decision: string | undefined, o: { tenant: string; json?: boolean }) => {
      if (decision !== undefined && !['restrict', 'block', 'dismiss'].includes(decision)) {
        throw new UsageError(`the decision must be restrict, block or dismiss, not "${decision}"`);
      }
      const t = await ctx.open();
      const currency = await tenantCurrency(t, o.tenant);
      if (decision) {
        const r = must(await t.fraud.decide(o.tenant, id, decision as IncidentDecision, CLI_ACTOR));
        if (o.json) return ctx.json(r);
        const done = r.policy
          ? r.policy.before === r.policy.after ? `policy ${r.policy.before} already allowed no more than domestic dial-out` : `policy ${r.policy.before} -> ${r.policy.after}`
          : r.blocked ? `${r.blocked.target} ${r.blocked.added ? 'added to' : 'was already on'} the block list` : 'dismissed';
        ctx.io.out(`incident ${id}: ${done}\n${incidentText(r.incident, currency)}`);
        return;
      }
      const incident = must(await t.fraud.incident(o.tenant, id));
      if (o.json) return ctx.json({ ...incident, summary: incidentSummary(incident, currency) });
      ctx.io.out(incidentText(incident, currency));
    });

  fraud
    .command('settings')
    .description("the guard's rules, thresholds, time zones and block list")
    .addOption(tenantOption())
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; json?: boolean }) => {
      const t = await ctx.open();
      const s = must(await t.fraud.settings(o.tenant));
      if (o.json) return ctx.json({ settings: s.settings, blockList: s.blockList });
      const lines = [
        `Toll-fraud guard for ${o.tenant}: blocking ${s.settings.blocking ? 'ON (suspected fraud is refused)' : 'off (suspected fraud is allowed and flagged)'}`,
        `Rules: ${FRAUD_PATTERNS.map((p) => `${p} ${ruleEnabled(s.settings, p) ? 'on' : 'off'}`).join(', ')}`,
        ...describeSettings(s.settings, s.currency).map((l) => `  ${l.name.padEnd(20)} ${l.value.padEnd(18)} ${l.description}`),
        `Time zones set: ${Object.entries(s.settings.timeZones).map(([c, z]) => `${c} ${z}`).join(', ') || 'none (the built-in one per country)'}`,
        `Block list: ${s.blockList.map((b) => b.target).join(', ') || 'empty'}`,
      ];
      ctx.io.out(`${lines.join('\n')}\n`);
    });

  fraud
    .command('set <setting> <values...>')
    .description('change one setting, e.g. fraud set rate-ceiling 1.50, fraud set night-hours 22-6, fraud set timezone US America/Los_Angeles, fraud set rule night_hours off')
    .addOption(tenantOption())
    .action(async (setting: string, values: string[], o: { tenant: string }) => {
      const t = await ctx.open();
      const r = must(await t.fraud.changeSetting(o.tenant, setting, values, CLI_ACTOR));
      ctx.io.out(`${r.name}: ${r.before} -> ${r.after}\n`);
    });

  fraud
    .command('blocking <state>')
    .description('on: refuse dial-outs that look like toll fraud; off: allow and flag them')
    .addOption(tenantOption())
    .action(async (state: string, o: { tenant: string }) => {
      if (state !== 'on' && state !== 'off') throw new UsageError(`blocking takes on or off, not "${state}"`);
      const t = await ctx.open();
      const r = must(await t.fraud.setBlocking(o.tenant, state === 'on', CLI_ACTOR));
      ctx.io.out(`blocking: ${r.before ? 'on' : 'off'} -> ${r.after ? 'on' : 'off'}\n`);
    });

  for (const [name, add] of [['block', true], ['unblock', false]] as const) {
    fraud
      .command(`${name} <target>`)
      .description(`${add ? 'add' : 'remove'} a destination ${add ? 'to' : 'from'} the block list: a country code (NG) or a number prefix (+449)`)
      .addOption(tenantOption())
      .action(async (target: string, o: { tenant: string }) => {
        const t = await ctx.open();
        if (add) {
          const r = must(await t.fraud.block(o.tenant, target, CLI_ACTOR));
          ctx.io.out(`${r.target}: ${r.added ? 'blocked' : 'already blocked'}\n`);
        } else {
          const r = must(await t.fraud.unblock(o.tenant, target, CLI_ACTOR));
          ctx.io.out(`${r.target}: unblocked\n`);
        }
      });
  }
};

const at = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function incidentsText(list: readonly IncidentView[], currency: string, all: boolean): string {
  if (list.length === 0) return all ? 'No toll-fraud incidents.\n' : 'No open toll-fraud incidents.\n';
  const rows = [['LATEST CALL (UTC)', 'INCIDENT', 'ORGANIZER', 'PATTERN', 'CALLS', 'MINUTES', 'COST SO FAR', 'STATUS']];
  for (const i of list) {
    rows.push([at(i.lastLegAt), i.id, i.organizerUpn ?? i.organizerId, i.pattern, String(i.legs), (i.dialOutSeconds / 60).toFixed(1), formatMoney(i.costMicros, currency), statusWords(i)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const right = new Set([4, 5, 6]);
  const table = rows.map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  const summaries = list.map((i) => `  ${i.id}: ${incidentSummary(i, currency)}`);
  return `${table.join('\n')}\n\n${summaries.join('\n')}\n`;
}

function incidentText(i: IncidentView & { meetings?: { conferenceId: string | null; legs: number }[] }, currency: string): string {
  const lines = [
    `Incident ${i.id}: ${PATTERN_WORDS[i.pattern].title} (${i.pattern}), ${statusWords(i)}`,
    `  ${incidentSummary(i, currency)}`,
    `  Organizer:   ${[i.organizerName, i.organizerUpn ?? i.organizerId].filter(Boolean).join(', ')}`,
    `  Calls:       ${i.legs}, ${(i.dialOutSeconds / 60).toFixed(1)} min, first ${at(i.firstLegAt)}, latest ${at(i.lastLegAt)} UTC`,
    `  Cost so far: ${formatMoney(i.costMicros, currency)}`,
    `  Destination: ${blockTargetWords(i.blockTarget)} (block target ${i.blockTarget})`,
  ];
  if (i.meetings) lines.push(`  Meetings:    ${i.meetings.map((m) => `${m.conferenceId ?? '(none)'} (${m.legs})`).join(', ') || 'none'}`);
  if (i.resolvedAt) lines.push(`  ${i.status === 'dismissed' ? 'Dismissed' : 'Resolved'}: ${at(i.resolvedAt)} UTC by ${i.resolvedBy ?? '?'}`);
  return `${lines.join('\n')}\n`;
}
