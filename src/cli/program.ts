import fs from 'node:fs';
import { Command, Option } from 'commander';
import { formatMoney } from '../billing/money';
import { storeRateCardCsv } from '../rates/rate-card-store';
import { readCallRecordFile, locateBatchRejections, FileShapeError } from '../usage/call-record-file';
import { addSummaries, emptySummary, type Rejection } from '../usage/intake';
import { findTenant } from '../store/tenant-store';
import { EXIT, UsageError, type CliIo } from './io';
import { newProgram, runProgram } from './run-program';
import { amount, isoDay, must, readText, tenantCurrency, wholeNumber, type CliContext, type RegisterCommands } from './cli-context';
import { registerGraphCommands } from './graph-commands';
import { registerReconcileCommands } from './reconcile-commands';
import { registerExportCommands } from './export-commands';
import { registerAdviseCommands } from './advise-commands';
import { registerFraudCommands } from './fraud-commands';

const CLI_ACTOR = 'cli';

/**
 * `tollgate`: the admin's scriptable twin of the bot's commands, on the same database as the server (DATABASE_URL).
 * Returns the exit code: 0 done, 1 done but some rows were rejected, 2 bad input (nothing written), 3 failure.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  return runProgram(argv, io, (ctx) => buildProgram(ctx, EXTRA_COMMANDS));
}

/** Command groups kept in modules of their own (each registers itself). */
const EXTRA_COMMANDS: RegisterCommands[] = [registerReconcileCommands, registerGraphCommands, registerExportCommands, registerAdviseCommands, registerFraudCommands];

function buildProgram(ctx: CliContext, extra: RegisterCommands[]): Command {
  const { io, open, setCode, json } = ctx;
  const program = newProgram(io);
  const tenantOption = () => new Option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id)').makeOptionMandatory();

  const tenant = program.command('tenant').description('tenants').exitOverride();
  tenant
    .command('init <tenantId>')
    .description('create a tenant')
    .requiredOption('--country <code>', 'ISO 3166 country of the tenant, e.g. US')
    .requiredOption('--currency <code>', 'ISO 4217 currency of its Communications Credits, e.g. USD')
    .option('--name <name>', 'display name')
    .option('--pool-licenses <n>', 'Audio Conferencing subscription licenses that size the dial-out pool', '0')
    .addOption(new Option('--billing-mode <mode>', 'prepaid, or postpaid (Microsoft Customer Agreement)').choices(['prepaid', 'postpaid']).default('prepaid'))
    .action(async (tenantId: string, o: { country: string; currency: string; name?: string; poolLicenses: string; billingMode: 'prepaid' | 'postpaid' }) => {
      const pool = wholeNumber(o.poolLicenses, '--pool-licenses');
      const t = await open();
      const row = must(await t.directory.initTenant({ tenantId, country: o.country, currency: o.currency, name: o.name, poolLicenses: pool, billingMode: o.billingMode }, CLI_ACTOR));
      io.out(`tenant ${row.tenant_id} created (${row.country}, ${row.currency}, ${row.pool_licenses} pool licenses, ${row.billing_mode})\n`);
    });
  tenant
    .command('pool-licenses <n>')
    .description('set how many subscription licenses size the dial-out pool')
    .addOption(tenantOption())
    .action(async (n: string, o: { tenant: string }) => {
      const licenses = wholeNumber(n, 'pool licenses');
      const t = await open();
      must(await t.directory.setPoolLicenses(o.tenant, licenses, CLI_ACTOR));
      io.out(`pool licenses set to ${licenses} (${licenses * 60} dial-out minutes a month)\n`);
    });
  tenant
    .command('billing-mode <mode>')
    .description('prepaid, or postpaid (Microsoft Customer Agreement: auto-recharge off)')
    .addOption(tenantOption())
    .action(async (mode: string, o: { tenant: string }) => {
      if (mode !== 'prepaid' && mode !== 'postpaid') throw new UsageError(`billing mode must be prepaid or postpaid, not "${mode}"`);
      const t = await open();
      must(await t.ledger.setBillingMode(o.tenant, mode, CLI_ACTOR));
      io.out(`billing mode set to ${mode}\n`);
    });

  program
    .command('users')
    .description('users (organizers)')
    .command('import <users.csv>')
    .description('import users: header aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn')
    .addOption(tenantOption())
    .action(async (file: string, o: { tenant: string }) => {
      const csv = readText(file);
      const t = await open();
      const r = must(await t.directory.importUsersCsv(o.tenant, csv, CLI_ACTOR));
      io.out(`${r.users} users imported\n`);
    });

  const admins = program.command('admins').description('Tollgate admins');
  admins
    .command('add <user>')
    .description('make a user (AAD object id or UPN) a Tollgate admin')
    .addOption(tenantOption())
    .action(async (user: string, o: { tenant: string }) => {
      const t = await open();
      const row = must(await t.directory.setAdmin(o.tenant, user, true, CLI_ACTOR));
      io.out(`${row.upn ?? row.aad_object_id} is now a Tollgate admin\n`);
    });
  admins
    .command('remove <user>')
    .description('remove a Tollgate admin (never the last one)')
    .addOption(tenantOption())
    .action(async (user: string, o: { tenant: string }) => {
      const t = await open();
      const row = must(await t.directory.setAdmin(o.tenant, user, false, CLI_ACTOR));
      io.out(`${row.upn ?? row.aad_object_id} is no longer a Tollgate admin\n`);
    });

  program
    .command('rates')
    .description('rate cards')
    .command('load <rates.csv>')
    .description('load a rate card CSV (replaces the card whole); without --tenant it is the default card')
    .option('--tenant <tenantId>', 'load a card for one tenant only')
    .action(async (file: string, o: { tenant?: string }) => {
      const csv = readText(file);
      const t = await open();
      const tenantRow = o.tenant ? await findTenant(t.store.db, o.tenant) : undefined;
      if (o.tenant && !tenantRow) throw new UsageError(`unknown tenant ${o.tenant}: create it with tollgate tenant init`);
      const r = must(await t.store.inTransaction((tx) => storeRateCardCsv(tx, csv, tenantRow)));
      io.out(`${r.rates} rates loaded (${r.currency}) into the ${o.tenant ? `card of ${o.tenant}` : 'default card'}\n`);
    });

  const credits = program.command('credits').description('Communications Credits');
  credits
    .command('add <amount>')
    .description('record a purchase of credits (a plain decimal, e.g. 200 or 12.50)')
    .addOption(tenantOption())
    .option('--memo <text>', 'why, e.g. the order number')
    .action(async (text: string, o: { tenant: string; memo?: string }) => {
      const micros = amount(text, 'amount');
      if (micros === 0) throw new UsageError('amount: must be more than zero');
      const t = await open();
      const entry = must(await t.ledger.fund(o.tenant, micros, CLI_ACTOR, o.memo ?? null));
      const currency = await tenantCurrency(t, o.tenant);
      io.out(`added ${formatMoney(micros, currency)}; balance ${formatMoney(Number(entry.balance_after_micros), currency)}\n`);
    });
  credits
    .command('adjust <amount>')
    .description('an admin correction: a plain decimal, prefix "-" to remove (e.g. -- -5)')
    .addOption(tenantOption())
    .requiredOption('--memo <text>', 'why')
    .action(async (text: string, o: { tenant: string; memo: string }) => {
      const negative = text.startsWith('-');
      const micros = amount(negative ? text.slice(1) : text, 'amount');
      if (micros === 0) throw new UsageError('amount: must not be zero');
      const t = await open();
      const entry = must(await t.ledger.adjust(o.tenant, negative ? -micros : micros, CLI_ACTOR, o.memo));
      const currency = await tenantCurrency(t, o.tenant);
      io.out(`adjusted by ${formatMoney(negative ? -micros : micros, currency)}; balance ${formatMoney(Number(entry.balance_after_micros), currency)}\n`);
    });
  credits
    .command('refund <amount>')
    .description('give back (part of) a charge')
    .addOption(tenantOption())
    .requiredOption('--memo <text>', 'why')
    .option('--leg <id>', 'the call leg refunded (never more than it was charged)')
    .action(async (text: string, o: { tenant: string; memo: string; leg?: string }) => {
      const micros = amount(text, 'amount');
      if (micros === 0) throw new UsageError('amount: must be more than zero');
      const t = await open();
      const entry = must(await t.ledger.refund(o.tenant, micros, CLI_ACTOR, o.memo, o.leg ?? null));
      const currency = await tenantCurrency(t, o.tenant);
      io.out(`refunded ${formatMoney(micros, currency)}; balance ${formatMoney(Number(entry.balance_after_micros), currency)}\n`);
    });
  credits
    .command('check')
    .description("verify the ledger: cached balance == sum of entries")
    .addOption(tenantOption())
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; json?: boolean }) => {
      const t = await open();
      const report = await t.ledger.checkInvariant(o.tenant);
      if (!report) throw new UsageError(`unknown tenant ${o.tenant}: create it with tollgate tenant init`);
      if (o.json) json(report);
      else io.out(`${report.ok ? 'ok' : 'MISMATCH'}: balance ${report.cachedBalanceMicros} micros, sum of ${report.entries} entries ${report.sumOfEntriesMicros} micros\n`);
      if (!report.ok) setCode(EXIT.failure);
    });

  const autorecharge = program.command('autorecharge').description('auto-recharge of Communications Credits');
  autorecharge
    .command('set')
    .description('when the balance falls below --trigger, buy --amount')
    .requiredOption('--trigger <amount>', 'the balance below which to recharge')
    .requiredOption('--amount <amount>', 'how much to buy each time')
    .addOption(tenantOption())
    .action(async (o: { trigger: string; amount: string; tenant: string }) => {
      const trigger = amount(o.trigger, '--trigger');
      const recharge = amount(o.amount, '--amount');
      if (recharge === 0) throw new UsageError('--amount: must be more than zero');
      const t = await open();
      must(await t.ledger.setAutoRecharge(o.tenant, trigger, recharge, CLI_ACTOR));
      const currency = await tenantCurrency(t, o.tenant);
      io.out(`auto-recharge on: below ${formatMoney(trigger, currency)}, buy ${formatMoney(recharge, currency)}\n`);
    });
  autorecharge
    .command('off')
    .description('turn auto-recharge off')
    .addOption(tenantOption())
    .action(async (o: { tenant: string }) => {
      const t = await open();
      must(await t.ledger.disableAutoRecharge(o.tenant, CLI_ACTOR));
      io.out('auto-recharge off\n');
    });

  const policy = program.command('policy').description('dial-out policies (OnlineDialOutPolicy)');
  policy
    .command('set <policyName>')
    .description('assign a policy tenant-wide (--global) or to one user (--user)')
    .addOption(tenantOption())
    .option('--global', 'the tenant-wide (Global) policy')
    .option('--user <user>', "one user's policy (AAD object id or UPN)")
    .action(async (name: string, o: { tenant: string; global?: boolean; user?: string }) => {
      if (!!o.global === !!o.user) throw new UsageError('say either --global or --user <user>');
      const t = await open();
      const set = o.global ? must(await t.directory.setGlobalPolicy(o.tenant, name, CLI_ACTOR)) : must(await t.directory.setUserPolicy(o.tenant, o.user!, name, CLI_ACTOR));
      io.out(`${o.global ? 'global' : o.user} dial-out policy set to ${set}\n`);
    });

  const calls = program.command('calls').description('call legs');
  calls
    .command('import <file>')
    .description(
      'import call records (streamed): a Graph getPstnCalls page { "value": [...] } or a JSON array, or the Teams admin ' +
        "center's PSTN usage export (Calls.Export.*.zip, or a PSTN.calls.*.csv from it); the kind is read from the content",
    )
    .addOption(tenantOption())
    .option('--batch <n>', 'records per batch', '2000')
    .option('--json', 'machine-readable summary')
    .action(async (file: string, o: { tenant: string; batch: string; json?: boolean }) => {
      const batchSize = wholeNumber(o.batch, '--batch');
      if (batchSize < 1) throw new UsageError('--batch must be at least 1');
      if (!fs.existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
      const t = await open();
      await tenantCurrency(t, o.tenant);
      let total = emptySummary();
      let seen = 0;
      const started = Date.now();
      try {
        for await (const batch of readCallRecordFile(file, batchSize)) {
          const { records, rejected } = t.intake.validate(batch.records, batch.offset);
          const settled = must(await t.intake.settle(o.tenant, records));
          // An export's rows are reported in file order, with their CSV and line.
          const located = (batch.rejected ?? []).concat(locateBatchRejections(batch, rejected)).sort((a, b) => a.index - b.index);
          total = addSummaries(total, { ...settled, rejected: located.concat(settled.rejected) });
          seen += batch.records.length + (batch.rejected?.length ?? 0);
          const rate = Math.round(seen / Math.max(0.001, (Date.now() - started) / 1000));
          io.progress?.(`imported ${seen} records (${total.accepted} new, ${total.duplicates} duplicates, ${total.rejected.length} rejected) ${rate}/s`);
        }
      } catch (err) {
        if (err instanceof FileShapeError) {
          if (seen === 0) throw new UsageError(err.message);
          io.err(`tollgate: ${err.message}; the ${seen} records before it were imported, run the import again after fixing the file\n`);
          setCode(EXIT.failure);
        } else throw err;
      }
      const currency = await tenantCurrency(t, o.tenant);
      if (o.json) json({ ...total, records: seen, currency });
      else {
        io.out(`${seen} records: ${total.accepted} accepted, ${total.duplicates} duplicates, ${total.conflicts} conflicts, ${total.ignored} ignored,${total.enriched ? ` ${total.enriched} given Microsoft's charge,` : ''} ${total.rejected.length} rejected; charged ${formatMoney(total.charged, currency)}${total.autoRecharges ? `; ${total.autoRecharges} auto-recharges` : ''}\n`);
        const where = (r: Rejection & { file?: string; line?: number }) => (r.file ? `${r.file} line ${r.line}` : `record ${r.index >= 0 ? r.index + 1 : '?'}`);
        for (const r of total.rejected.slice(0, 20)) io.err(`  ${where(r)}${r.id ? ` (${r.id})` : ''}: ${r.reason}: ${r.message}\n`);
        if (total.rejected.length > 20) io.err(`  … and ${total.rejected.length - 20} more (use --json for all)\n`);
      }
      if (total.rejected.length > 0 || total.conflicts > 0) setCode(EXIT.partial);
    });
  calls
    .command('list')
    .description('the rated legs')
    .addOption(tenantOption())
    .option('--conference <id>', 'one meeting (conferenceId)')
    .option('--from <date>', 'start date, inclusive (YYYY-MM-DD, UTC)')
    .option('--to <date>', 'end date, inclusive (YYYY-MM-DD, UTC)')
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; conference?: string; from?: string; to?: string; json?: boolean }) => {
      const from = o.from ? isoDay(o.from, '--from') : undefined;
      const to = o.to ? isoDay(o.to, '--to', true) : undefined;
      const t = await open();
      const currency = await tenantCurrency(t, o.tenant);
      const legs = await t.meetings.legs(o.tenant, { conferenceId: o.conference, from, to });
      if (o.json) return json(legs);
      for (const l of legs) {
        io.out(`${l.startDateTime}  ${l.id}  ${l.callType}${l.tollFree ? ' toll-free' : ''}  ${l.destinationCountry ?? ''}  ${l.billedMinutes} min  ${l.paidBy ?? l.status}  ${formatMoney(l.chargeMicros, currency)}${l.flags.length ? `  [${l.flags.join(', ')}]` : ''}\n`);
      }
      if (legs.length === 0) io.out('no legs\n');
    });

  program
    .command('balance')
    .description('the Communications Credits balance, auto-recharge and this month\'s dial-out pool')
    .addOption(tenantOption())
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; json?: boolean }) => {
      const t = await open();
      const b = must(await t.ledger.balance(o.tenant));
      if (o.json) return json(b);
      const c = b.currency;
      io.out(`balance: ${formatMoney(b.balanceMicros, c)} (${b.billingMode})\n`);
      io.out(`auto-recharge: ${b.autoRecharge.enabled ? `below ${formatMoney(b.autoRecharge.triggerMicros!, c)} buy ${formatMoney(b.autoRecharge.amountMicros!, c)}` : 'off'}\n`);
      io.out(`this month: ${formatMoney(b.monthToDate.chargeMicros, c)} over ${b.monthToDate.legs} legs\n`);
      io.out(`dial-out pool ${b.pool.month}: ${b.pool.usedMinutes} of ${b.pool.totalMinutes} minutes used\n`);
      if (b.nextExpiry) io.out(`next expiry: ${formatMoney(b.nextExpiry.amountMicros, c)} on ${b.nextExpiry.at.slice(0, 10)}\n`);
    });

  program
    .command('statement')
    .description('the ledger entries: date, kind, amount, balance after, memo, actor')
    .addOption(tenantOption())
    .option('--from <date>', 'YYYY-MM-DD (UTC), inclusive')
    .option('--to <date>', 'YYYY-MM-DD (UTC), inclusive')
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; from?: string; to?: string; json?: boolean }) => {
      const from = o.from ? isoDay(o.from, '--from') : undefined;
      const to = o.to ? isoDay(o.to, '--to', true) : undefined;
      const t = await open();
      const currency = await tenantCurrency(t, o.tenant);
      const entries = await t.ledger.statement(o.tenant, { from, to });
      if (o.json) {
        return json(entries.map((e) => ({ seq: e.seq, at: e.created_at, kind: e.kind, amountMicros: e.amount_micros, balanceAfterMicros: e.balance_after_micros, memo: e.memo, actor: e.actor, legId: e.leg_id })));
      }
      for (const e of entries) {
        io.out(`${e.created_at}  ${e.kind.padEnd(13)} ${formatMoney(e.amount_micros, currency).padStart(14)}  ${formatMoney(e.balance_after_micros, currency).padStart(14)}  ${e.memo ?? ''}${e.actor ? ` (${e.actor})` : ''}\n`);
      }
      if (entries.length === 0) io.out('no entries\n');
    });

  program
    .command('meetings')
    .description('meetings with their cost so far')
    .addOption(tenantOption())
    .option('--json', 'machine-readable output')
    .action(async (o: { tenant: string; json?: boolean }) => {
      const t = await open();
      const currency = await tenantCurrency(t, o.tenant);
      const meetings = await t.meetings.meetings(o.tenant);
      if (o.json) return json(meetings);
      for (const m of meetings) {
        io.out(`${m.firstStart}  ${m.conferenceId}  ${m.legs} legs  ${m.billedMinutes} min  ${formatMoney(m.chargeMicros, currency)}${m.flaggedLegs ? `  (${m.flaggedLegs} flagged)` : ''}\n`);
      }
      if (meetings.length === 0) io.out('no meetings\n');
    });

  program
    .command('ingest-key')
    .description('keys for the intake and authorization API')
    .command('create')
    .description('create a key; it is shown once and stored hashed')
    .addOption(tenantOption())
    .action(async (o: { tenant: string }) => {
      const t = await open();
      const r = must(await t.ingestKeys.create(o.tenant, CLI_ACTOR));
      io.out(`${r.key}\n`);
      io.err('Keep this key secret: it is shown once. Send it as "Authorization: Bearer <key>".\n');
    });

  for (const register of extra) register(program, ctx);

  // Commander's own usage errors (unknown command, missing option) are bad input too: exit 2.
  program.commands.forEach(function override(c: Command) {
    c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    c.commands.forEach(override);
  });
  return program;
}
