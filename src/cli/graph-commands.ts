import { Option, type Command } from 'commander';
import { formatMoney } from '../billing/money';
import { loadConfig } from '../config/config';
import { GraphPstnCallsSource } from '../graph/pstn-calls-source';
import { GraphSyncError } from '../graph/graph-sync-error';
import { PstnCallsSync, type SyncProgress, type SyncSummary } from '../graph/pstn-calls-sync';
import { isoDay, must, tenantCurrency, type RegisterCommands } from './cli-context';
import { EXIT, UsageError, type CliIo } from './io';

/** `tollgate graph sync`: imports the tenant's PSTN call records from Microsoft Graph (getPstnCalls). */
export const registerGraphCommands: RegisterCommands = (program: Command, ctx) => {
  const { io, open, setCode, json } = ctx;
  const graph = program.command('graph').description('Microsoft Graph');
  graph
    .command('sync')
    .description(
      'import call records from Graph getPstnCalls (windows of at most 90 days, every page); a stopped sync resumes where it stopped.\n' +
        'Without --from: from where the last sync ended (or 7 days back). Needs GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET.',
    )
    .addOption(new Option('--tenant <tenantId>', 'the tenant (its Entra ID tenant id)').makeOptionMandatory())
    .option('--from <date>', 'first day, inclusive (YYYY-MM-DD, UTC)')
    .option('--to <date>', 'last day, inclusive (YYYY-MM-DD, UTC; default: now)')
    .option('--json', 'machine-readable summary')
    .action(async (o: { tenant: string; from?: string; to?: string; json?: boolean }) => {
      const from = o.from ? new Date(isoDay(o.from, '--from')) : undefined;
      const to = o.to ? new Date(isoDay(o.to, '--to', true)) : undefined;
      if (from && to && !(from < to)) throw new UsageError('--from must be on or before --to');
      const config = loadConfig(io.env);
      if (!config.ok) throw new UsageError(`configuration: ${config.errors.join('; ')}`);
      if (!config.config.graph) {
        throw new UsageError('Graph is not configured: set GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (an app registration with CallRecord-PstnCalls.Read.All)');
      }
      const t = await open();
      const currency = await tenantCurrency(t, o.tenant);
      const sync = new PstnCallsSync(t, new GraphPstnCallsSource(config.config.graph));
      // Ctrl-C stops between pages and lets go of the tenant at once, so the next run resumes without waiting.
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let summary: SyncSummary;
      try {
        const result = await sync.run(o.tenant, { from, to, signal: stop.signal, onPage: (p) => io.progress?.(progressLine(p)) });
        if (!result.ok && result.reason === 'graph_sync_busy') {
          // Not bad input: the same command works once the other run is done.
          io.err(`tollgate: ${result.message}\n`);
          setCode(EXIT.failure);
          return;
        }
        summary = must(result);
      } catch (err) {
        if (!(err instanceof GraphSyncError)) throw err;
        if (err.partial) report(io, err.partial, currency, o.json ? json : undefined);
        io.err(`tollgate: ${err.message}\n`);
        io.err(`tollgate: the sync stopped${err.partial?.pages ? ` after ${err.partial.pages} pages` : ''}; run it again to resume where it stopped\n`);
        setCode(EXIT.failure);
        return;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      report(io, summary, currency, o.json ? json : undefined);
      if (!summary.complete) {
        io.err(`tollgate: the sync was stopped after ${summary.pages} pages; run it again to resume where it stopped\n`);
        setCode(EXIT.failure);
      } else if (summary.rejected.length > 0 || summary.conflicts > 0) setCode(EXIT.partial);
    });
};

function progressLine(p: SyncProgress): string {
  const s = p.summary;
  return (
    `window ${p.window.index}/${p.window.count} ${p.window.from.slice(0, 10)}..${p.window.to.slice(0, 10)} page ${p.page}: ` +
    `${s.records} records, ${s.accepted + s.ignored} new legs, ${s.duplicates} duplicates, ${s.rejected.length} rejected`
  );
}

function report(io: CliIo, s: SyncSummary, currency: string, json?: (data: unknown) => void): void {
  if (json) {
    json({ ...s, currency });
    return;
  }
  io.out(
    `graph sync ${s.tenantId} ${s.from} .. ${s.to}${s.resumed ? ' (resumed)' : ''}: ${s.windows} window${s.windows === 1 ? '' : 's'}, ${s.pages} pages, ` +
      `${s.records} records: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.conflicts} conflicts, ${s.ignored} ignored, ` +
      `${s.rejected.length} rejected; charged ${formatMoney(s.charged, currency)}${s.autoRecharges ? `; ${s.autoRecharges} auto-recharges` : ''}` +
      `${s.complete ? '' : ' (incomplete)'}\n`,
  );
  for (const r of s.rejected.slice(0, 20)) io.err(`  record${r.id ? ` ${r.id}` : ''}: ${r.reason}: ${r.message}\n`);
  if (s.rejected.length > 20) io.err(`  … and ${s.rejected.length - 20} more (use --json for all)\n`);
}
