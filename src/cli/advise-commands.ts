import { Option } from 'commander';
import { DEFAULT_ADVICE_MONTHS, MAX_ADVICE_MONTHS } from '../advisor/advice-window';
import { Advisor } from '../advisor/advisor';
import type { AdvisedPlan, Advice } from '../advisor/advisor-model';
import type { AudioConferencingPlan } from '../billing/licenses';
import { formatMoney } from '../billing/money';
import { amount, must, tenantCurrency, wholeNumber, type RegisterCommands } from './cli-context';
import { UsageError } from './io';
import { table } from './reconcile-commands';

const CLI_ACTOR = 'cli';

/**
 * `tollgate advise --tenant T [--months N] [--json]`: the license advisor (src/advisor/). And its one setting,
 * `tollgate tenant subscription-price <amount> --tenant T`, registered on the existing `tenant` group.
 */
export const registerAdviseCommands: RegisterCommands = (program, ctx) => {
  const tenantOption = () => new Option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id)').makeOptionMandatory();

  const tenant = program.commands.find((c) => c.name() === 'tenant') ?? program.command('tenant').description('tenants');
  tenant
    .command('subscription-price <amount>')
    .description("what one Audio Conferencing subscription license costs a month, in the tenant's currency (for tollgate advise)")
    .addOption(tenantOption())
    .action(async (text: string, o: { tenant: string }) => {
      const micros = amount(text, 'subscription price');
      if (micros === 0) throw new UsageError('subscription price: must be more than zero');
      const t = await ctx.open();
      const r = must(await new Advisor(t.store, t.clock).setSubscriptionPrice(o.tenant, micros, CLI_ACTOR));
      ctx.io.out(`subscription price set to ${formatMoney(r.after, r.currency)} a month per license${r.before === null ? '' : ` (was ${formatMoney(r.before, r.currency)})`}\n`);
    });

  program
    .command('advise')
    .description(
      'which organizers are cheaper on the Audio Conferencing subscription and which on pay-per-minute: their calls of the last ' +
        'whole months re-rated under both (the dial-out pool resized and replayed), the cheapest assignment found and the switches to get there',
    )
    .addOption(tenantOption())
    .option('--months <n>', `whole calendar months before this one, 1 to ${MAX_ADVICE_MONTHS}`, String(DEFAULT_ADVICE_MONTHS))
    .option('--json', 'machine-readable output (every figure in micro-units, over the whole window and per month)')
    .action(async (o: { tenant: string; months: string; json?: boolean }) => {
      const months = wholeNumber(o.months, '--months');
      if (months < 1 || months > MAX_ADVICE_MONTHS) throw new UsageError(`--months must be from 1 to ${MAX_ADVICE_MONTHS}, not ${months}`);
      const t = await ctx.open();
      await tenantCurrency(t, o.tenant);
      const advice = must(await new Advisor(t.store, t.clock).advise(o.tenant, { months }));
      if (o.json) return ctx.json(advice);
      ctx.io.out(humanAdvice(advice));
    });
};

const MONTH_NAME = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthName = (m: string) => MONTH_NAME.format(new Date(`${m}-01T00:00:00Z`));

const PLAN_WORDS: Record<AudioConferencingPlan, string> = { subscription: 'subscription', ppm: 'pay-per-minute', none: 'none' };
const planWords = (p: AudioConferencingPlan | AdvisedPlan) => PLAN_WORDS[p];

/** The advice as a person reads it: the tenant's totals, the switches in order, then every organizer. */
export function humanAdvice(a: Advice): string {
  const c = a.currency;
  const money = (m: number) => formatMoney(m, c);
  const n = a.months.length;
  const span = n === 1 ? monthName(a.months[0]!) : `${monthName(a.months[0]!)} to ${monthName(a.months[n - 1]!)}`;
  const lines: string[] = [];
  lines.push(`License advisor for ${a.tenantId}: calls of ${span} (${n} month${n === 1 ? '' : 's'}, ${a.legs} calls), re-rated with today's rate card.`);
  lines.push(`Subscription: ${money(a.priceMicros)} a month per license; ${a.poolLicenses} purchased (${a.poolLicenses * 60} dial-out pool minutes a month).`);
  lines.push(
    table(
      [
        ['Today', `${money(a.current.perMonthMicros)} a month`, `(credits ${money(a.current.creditsMicros)} + subscriptions ${money(a.current.feesMicros)} over ${n} months)`],
        ['Cheapest found', `${money(a.best.perMonthMicros)} a month`, `(credits ${money(a.best.creditsMicros)} + subscriptions ${money(a.best.feesMicros)}; ${a.best.poolLicenses} licenses)`],
        ['Saving', `${money(a.savingPerMonthMicros)} a month`, `(${money(a.savingMicros)} over ${n} months)`],
      ],
      new Set([1]),
    ),
  );
  if (a.switches.length === 0) lines.push('', 'No switch saves anything: every organizer already has the cheaper license for how they meet.');
  else {
    lines.push('', 'Switches, in this order (each saving assumes the ones above it):');
    a.switches.forEach((s, i) => {
      const who = s.displayName ? `${s.displayName}${s.upn ? ` (${s.upn})` : ''}` : (s.upn ?? s.userId);
      lines.push(
        `  ${i + 1}. ${who}: ${planWords(s.from)} -> ${planWords(s.to)}, saves ${money(s.savingPerMonthMicros)} a month; pool licenses ${s.poolLicensesBefore} -> ${s.poolLicensesAfter}`,
      );
    });
    lines.push("  Apply them in Teams: type advisor and use each switch's button (it changes the license and the purchased pool licenses together).");
  }
  if (a.organizers.length > 0) {
    lines.push('', 'Organizers (a month, on average):');
    const rows = [['USER', 'LICENSE', 'CALLS', 'MINUTES', 'NOW', 'OTHER LICENSE', 'TENANT IF ONLY THEY SWITCH', 'BREAK-EVEN']];
    for (const o of a.organizers) {
      rows.push([
        o.upn ?? o.userId,
        planWords(o.plan),
        String(o.legs),
        String(o.minutesPerMonth),
        money(Math.round(o.currentMicros / n)),
        o.alternativeMicros === null ? `- (${o.fixedBecause ?? 'fixed'})` : `${planWords(o.alternative!)} ${money(Math.round(o.alternativeMicros / n))}`,
        o.tenantEffectPerMonthMicros === null ? '-' : `${o.tenantEffectPerMonthMicros > 0 ? '+' : ''}${money(o.tenantEffectPerMonthMicros)}`,
        o.breakEvenMinutesPerMonth === null ? 'never' : `${o.breakEvenMinutesPerMonth} min`,
      ]);
    }
    lines.push(table(rows, new Set([2, 3, 4])));
    lines.push('  Break-even: minutes a month of calls like theirs above which the subscription is the cheaper license.');
  }
  if (!a.search.complete) lines.push('', `The search stopped after ${a.switches.length} switches (its bound); run it again after applying them for more.`);
  for (const w of a.warnings) lines.push(`Note: ${w}`);
  return `${lines.join('\n')}\n`;
}
