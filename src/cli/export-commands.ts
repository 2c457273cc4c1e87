import fs from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { writeLegsCsv } from '../reports/legs-report';
import { writeStatementCsv } from '../reports/statement-report';
import type { WriteChunk } from '../reports/legs-report';
import type { Store } from '../store/database';
import { findTenant } from '../store/tenant-store';
import { isoDay, tenantCurrency, type CliContext, type RegisterCommands } from './cli-context';
import { UsageError, type CliIo } from './io';
import { newProgram, runProgram } from './run-program';

interface ExportOptions {
  tenant?: string;
  from?: string;
  to?: string;
  format: string;
  out?: string;
}

/**
 * `tollgate export --tenant T --from D --to D [--format csv] [--out FILE]`: the legs, in the admin center's PSTN
 * usage layout then Tollgate's columns; `tollgate export statement --tenant T [--from D --to D]`: the ledger.
 * Commander hands `export statement --tenant T` 's options to `export` (the program does not use positional options),
 * so `statement` reads them merged with its parent's (optsWithGlobals).
 */
export const registerExportCommands: RegisterCommands = (program, ctx) => {
  const exportCommand = program
    .command('export')
    .description("export the legs whose start is in --from..--to (UTC days, inclusive) as CSV: the Teams admin center's 20 PSTN usage columns in its order, then Paid By, Billed Minutes, Pool Minutes, Tollgate Charge, Flags")
    .option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id); required')
    .option('--from <date>', 'first day, YYYY-MM-DD (UTC), inclusive; required')
    .option('--to <date>', 'last day, YYYY-MM-DD (UTC), inclusive; required')
    .option('--format <format>', 'csv (the only format)', 'csv')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (o: ExportOptions) => {
      if (!o.tenant) throw new UsageError("required option '--tenant <tenantId>' not specified");
      if (!o.from || !o.to) throw new UsageError('say both --from and --to (YYYY-MM-DD)');
      const range = checkedRange(o);
      // The store alone: the services' modules (the bot, Graph, intake) are not loaded for a million-row export.
      const store = await ctx.openStore();
      await knownTenant(store, o.tenant);
      const tenantId = o.tenant;
      const count = await toOutput(ctx, o.out, (write) => writeLegsCsv(store, tenantId, { from: range.from!, to: range.to! }, write));
      if (o.out) ctx.io.out(`${count} legs written to ${o.out}\n`);
    });

  exportCommand
    .command('statement')
    .description('export the ledger entries (date, kind, amount, balance after, memo, actor) as CSV')
    .option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id); required')
    .option('--from <date>', 'first day, YYYY-MM-DD (UTC), inclusive')
    .option('--to <date>', 'last day, YYYY-MM-DD (UTC), inclusive')
    .option('--format <format>', 'csv (the only format)', 'csv')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (_own: ExportOptions, command: Command) => {
      const o = command.optsWithGlobals<ExportOptions>();
      if (!o.tenant) throw new UsageError("required option '--tenant <tenantId>' not specified");
      const range = checkedRange(o);
      const t = await ctx.open();
      await tenantCurrency(t, o.tenant);
      const tenantId = o.tenant;
      const count = await toOutput(ctx, o.out, (write) => writeStatementCsv(t.store.db, tenantId, range, write));
      if (o.out) ctx.io.out(`${count} entries written to ${o.out}\n`);
    });
};

/**
 * `tollgate export …` as a program of its own, with the export commands alone: main.ts runs it for `export`, so a
 * million-row export loads its few modules and not every command's (runCli's program: 140 MiB and a second of CPU
 * before the first row).
 */
export function runExportCli(argv: string[], io: CliIo): Promise<number> {
  return runProgram(argv, io, (ctx) => {
    const program = newProgram(io);
    registerExportCommands(program, ctx);
    return program;
  });
}

/** An unknown tenant is bad input (as tenantCurrency says it, without the services). */
async function knownTenant(store: Store, tenantId: string): Promise<void> {
  if (!(await findTenant(store.db, tenantId))) throw new UsageError(`unknown tenant ${tenantId}: create it with tollgate tenant init`);
}

function checkedRange(o: ExportOptions): { from?: string; to?: string } {
  if (o.format !== 'csv') throw new UsageError(`--format must be csv, not "${o.format}"`);
  const from = o.from ? isoDay(o.from, '--from') : undefined;
  const to = o.to ? isoDay(o.to, '--to', true) : undefined;
  if (from && to && from >= to) throw new UsageError('--from must not be after --to');
  return { from, to };
}

/**
 * Standard output, or a file written beside its final name and renamed when complete, so a failed export never
 * leaves a truncated file that looks whole. Writes wait for the stream to drain once it holds a few pages.
 */
async function toOutput<T>(ctx: CliContext, out: string | undefined, produce: (write: WriteChunk) => Promise<T>): Promise<T> {
  if (!out) return produce((chunk) => ctx.io.out(chunk));
  const partial = `${out}.partial`;
  let stream: fs.WriteStream;
  try {
    // A few pages of CSV (one write each, about 0.4 MB) may wait for the disk while the next is read and formatted.
    stream = fs.createWriteStream(partial, { highWaterMark: 4 * 1024 * 1024 });
    await once(stream, 'open');
  } catch (err) {
    throw new UsageError(`cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const result = await produce(async (chunk) => {
      if (!stream.write(chunk)) await once(stream, 'drain');
    });
    stream.end();
    await once(stream, 'finish');
    fs.renameSync(partial, out);
    return result;
  } catch (err) {
    stream.destroy();
    fs.rmSync(partial, { force: true });
    throw err;
  }
}
