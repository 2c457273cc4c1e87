import { Option } from 'commander';
import { formatMoney, microsToDecimalString } from '../billing/money';
import { CAUSE_WORDS } from '../reconciliation/difference-words';
import { isMonth, Reconciliation, type DifferingCause, type MonthReconciliation } from '../reconciliation/reconciliation';
import { must, tenantCurrency, type RegisterCommands } from './cli-context';
import { UsageError } from './io';

/** Differing legs the human output lists; --json has them all. */
export const MAX_LEGS_LISTED = 50;

/** `tollgate reconcile --tenant T --month YYYY-MM [--json]`: Tollgate's charges against Microsoft's billed ones. */
export const registerReconcileCommands: RegisterCommands = (program, ctx) => {
  program
    .command('reconcile')
    .description("compare Tollgate's charges with Microsoft's billed ones (legs carrying Microsoft's charge) for a month")
    .addOption(new Option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id)').makeOptionMandatory())
    .addOption(new Option('--month <YYYY-MM>', 'the month, by the legs\' start time (UTC), e.g. 2026-11').makeOptionMandatory())
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; month: string; json?: boolean }) => {
      if (!isMonth(o.month)) throw new UsageError(`--month must be a month like 2026-11, not "${o.month}"`);
      const t = await ctx.open();
      await tenantCurrency(t, o.tenant);
      const report = must(await new Reconciliation(t.store).month(o.tenant, o.month));
      if (o.json) return ctx.json(report);
      ctx.io.out(humanReport(report));
    });
};

const MONTH_NAME = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

function signed(micros: number, currency: string): string {
  const text = formatMoney(micros, currency);
  return micros > 0 ? `+${text}` : text;
}

export function table(rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd())
    .join('\n');
}

const CALL_WORDS: Record<string, string> = { conf_out: 'dial-out', conf_in: 'dial-in' };

/** The report as a person reads it: totals, counts, causes, then the meetings and the legs that differ. */
export function humanReport(r: MonthReconciliation): string {
  const c = r.currency;
  const money = (m: number) => formatMoney(m, c);
  const lines: string[] = [];
  lines.push(`Reconciliation of ${MONTH_NAME.format(new Date(`${r.month}-01T00:00:00Z`))} for ${r.tenantId} (${c}), legs carrying Microsoft's charge:`);
  lines.push(
    table(
      [
        ['Tollgate charged', money(r.totals.tollgateMicros)],
        ['Microsoft billed', money(r.totals.microsoftMicros)],
        ['Difference', `${signed(r.totals.differenceMicros, c)} (Microsoft - Tollgate)`],
      ],
      new Set(),
    ),
  );
  const l = r.legs;
  lines.push(
    `Legs: ${l.rated} rated; ${l.compared} carry Microsoft's charge: ${l.matched} match, ${l.differing} differ by more than ${money(r.toleranceMicros)}` +
      `${l.otherCurrency ? ` (${l.otherCurrency} in another currency, not in the totals)` : ''}; ` +
      `${l.unreconciled} not yet reconciled${l.unreconciled ? ` (Tollgate charged ${money(l.unreconciledTollgateMicros)})` : ''}.`,
  );
  if (l.compared === 0) lines.push("No leg of this month carries Microsoft's charge yet: Microsoft's billed records arrive 24 to 48 hours after a call.");
  const causes = (Object.entries(r.causes) as [DifferingCause, number][]).filter(([, n]) => n > 0);
  if (causes.length > 0) lines.push(`Causes: ${causes.map(([cause, n]) => `${CAUSE_WORDS[cause].toLowerCase()} ${n}`).join(', ')}.`);

  if (r.meetings.length > 0) {
    lines.push('', `Meetings that differ (${r.meetings.length}):`);
    lines.push(
      table(
        [
          ['MEETING', 'TOLLGATE', 'MICROSOFT', 'DIFFERENCE', 'LEGS DIFFER', 'CAUSE'],
          ...r.meetings.map((m) => [
            m.conferenceId ?? '(no meeting)',
            money(m.tollgateMicros),
            money(m.microsoftMicros),
            signed(m.differenceMicros, c),
            `${m.differingLegs} of ${m.comparedLegs}`,
            m.causes.map((x) => CAUSE_WORDS[x].toLowerCase()).join(', '),
          ]),
        ],
        new Set([1, 2, 3]),
      ),
    );
  }

  if (r.differingLegs.length > 0) {
    lines.push('', `Legs that differ (${r.differingLegs.length}, largest difference first):`);
    const shown = r.differingLegs.slice(0, MAX_LEGS_LISTED);
    const rows = [['START (UTC)', 'LEG', 'MEETING', 'CALL', 'TOLLGATE', 'MICROSOFT', 'DIFFERENCE', 'CAUSE']];
    for (const d of shown) {
      const call = [CALL_WORDS[d.callType] ?? d.callType, d.tollFree && d.callType === 'conf_in' ? 'toll-free' : '', d.destinationCountry ?? '', `${d.billedSeconds / 60} min`]
        .filter(Boolean)
        .join(' ');
      const foreign = d.cause === 'currency' ? ` ${d.microsoftCurrency ?? ''}`.trimEnd() : '';
      rows.push([
        d.startDateTime.slice(0, 16).replace('T', ' '),
        d.id,
        d.conferenceId ?? '',
        call,
        money(d.tollgateMicros),
        foreign ? `${microsToDecimalString(d.microsoftMicros)}${foreign}` : money(d.microsoftMicros),
        foreign ? 'n/a' : signed(d.differenceMicros, c),
        `${d.causeText}: ${d.detail}`,
      ]);
    }
    lines.push(table(rows, new Set([4, 5, 6])));
    if (r.differingLegs.length > shown.length) lines.push(`  ... and ${r.differingLegs.length - shown.length} more (use --json for all)`);
  }
  return `${lines.join('\n')}\n`;
}
