import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../src/observability/logger';
import { storeRateCardCsv } from '../src/rates/rate-card-store';
import { openStore } from '../src/store/database';
import { FixedClock } from '../src/time/clock';
import { createTollgate } from '../src/tollgate';
import { latencyFigures, loadAverage1m, meetingActivity, messageActivity, type LatencyFigures, type Person } from './support/activities';
import { startBotProcess, startNodeOptions, type BotProcess } from './support/bot-process';
import { startFakeConnector, type FakeConnector } from './support/fake-connector';
import { CLIENT_ID as GRAPH_CLIENT_ID, CLIENT_SECRET as GRAPH_CLIENT_SECRET, startFakeGraph } from '../test/graph/support/fake-graph';
import pg from 'pg';
import { benchPostgresServer, createScratchPostgres } from './support/scratch-postgres';
import { RATES_CSV_PATH } from './workload';

/**
 * Post-meeting card (issue 5): `meetings` scheduled meetings end at once. Each end event goes, as Teams sends it,
 * to Tollgate's POST /api/messages (a separate process, like production, on its own SQLite file), through the real
 * path: src/bot/meeting-end.ts (the meeting's organizer and dial-in conference, the card row and its outbox message
 * in one transaction), the outbox worker, src/notify/meeting-card-delivery.ts, and the card is POSTed to the
 * organizer's personal chat at the fake connector. Measured per meeting: from the moment its end event is written to
 * Tollgate to the card's arrival at the connector. Target: p99 under 1 s.
 *
 * Teams sends a scheduled meeting's start event as well as its end (the same RSC permission); Tollgate looks the
 * meeting up in Teams (meeting details, from the connector) and Graph (the dial-in conference id) at the start.
 * `startsSeen` (the default) sends every meeting's start first, untimed, as Teams would have during the hour; without
 * it, the ends find no start and each asks Teams and Graph itself (a start lost, or the bot installed mid-meeting).
 *
 * The anchor, in the same run: the same number of events at once to a bare botbuilder echo bot that answers each
 * with a message (the least any bot does between an event and a message at the connector).
 */
export interface PostMeetingResult {
  config: { meetings: number; organizers: number; legsPerMeeting: number; engine: 'sqlite' | 'postgres'; startsSeen: boolean };
  /** cpuMsPerMeeting: the process's CPU time from the first event to the last card, per meeting (steadier than latency on a busy machine). */
  tollgate: {
    cards: LatencyFigures;
    eventResponses: LatencyFigures;
    missing: number;
    /** Cards posted a second time for the same meeting. */
    duplicates: number;
    eventErrors: number;
    /** Graph onlineMeetings requests from the first end event to the last card (none when every start was seen). */
    graphLookups: number;
    cpuMsPerMeeting: number | undefined;
    /**
     * This process's CPU time over the same interval, per meeting: sending the events, and serving the fake Graph
     * (over TLS) and the fake connector. It runs on the same cores as Tollgate, which production's Graph does not.
     */
    loadGeneratorCpuMsPerMeeting: number | undefined;
    /** SQLite: statements and commits per meeting, and the time spent inside SQLite (event loop blocked, fsyncs included). */
    sqlite?: { statementsPerMeeting: number; commitsPerMeeting: number; blockedMs: number };
    /**
     * PostgreSQL: statements (each a round trip) and COMMITs per meeting, and the CPU time of the server processes
     * serving Tollgate's connections to its database over the same interval, per meeting (when the server runs on
     * this machine: read from /proc; undefined otherwise).
     */
    postgres?: { statementsPerMeeting: number; commitsPerMeeting: number; serverCpuMsPerMeeting: number | undefined };
    loadAverage1m: number;
  };
  echo: { replies: LatencyFigures; missing: number; cpuMsPerMeeting: number | undefined; loadGeneratorCpuMsPerMeeting: number | undefined; loadAverage1m: number };
  ratioP99: number;
  targetMs: number;
  pass: boolean;
  peakRssMiB: { tollgate?: number };
  logs: { tollgate: string };
}

const TENANT = 'bench-post-meeting';
const TITLE = (i: number) => `Bench meeting #${String(i).padStart(4, '0')}`;

/** A fresh database: tenant, rate card, organizers, funding, and every meeting's legs already rated. */
async function seed(databaseUrl: string, organizers: Person[], meetings: number, legsPerMeeting: number): Promise<void> {
  const store = await openStore(databaseUrl);
  try {
    const now = new Date();
    const tollgate = createTollgate(store, new FixedClock(now), silentLogger);
    const fail = (what: string, r: { ok: boolean; message?: string }) => {
      if (!r.ok) throw new Error(`post-meeting set-up: ${what}: ${r.message ?? 'failed'}`);
    };
    fail('tenant', await tollgate.directory.initTenant({ tenantId: TENANT, country: 'US', currency: 'USD', name: 'Contoso (post-meeting bench)', poolLicenses: 0 }, 'bench'));
    fail('rates', await store.inTransaction((tx) => storeRateCardCsv(tx, fs.readFileSync(RATES_CSV_PATH, 'utf8'), { tenant_id: TENANT, currency: 'USD' })));
    const csv =
      'aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn\n' +
      organizers.map((o, i) => `${o.aadObjectId},organizer${i}@contoso.example,${o.name},US,MCOMEETACPEA;MCOPSTNPP,,true`).join('\n');
    fail('users', await tollgate.directory.importUsersCsv(TENANT, csv, 'bench'));
    fail('funding', await tollgate.ledger.fund(TENANT, 1_000_000_000, 'bench', 'bench funding'));
    const legs: Record<string, unknown>[] = [];
    for (let m = 0; m < meetings; m++) {
      const organizer = organizers[m % organizers.length]!;
      // During the meeting, which ends in the burst below: its card shows the legs of that occurrence (its start, seen
      // by the start event, less an hour's grace, to its end).
      const start = new Date(now.getTime() - 1800_000 + m * 1000);
      for (let l = 0; l < legsPerMeeting; l++) {
        const out = l % 2 === 1;
        legs.push({
          id: `pm-${m}-${l}`,
          callId: `pm-call-${m}`,
          callType: out ? 'conf_out' : 'conf_in',
          conferenceId: `pm-conf-${m}`,
          userId: organizer.aadObjectId,
          calleeNumber: out ? `+4930123${String(4000 + l)}` : '+12025550123',
          callerNumber: '+14255550100',
          inventoryType: 'Toll',
          startDateTime: start.toISOString(),
          endDateTime: new Date(start.getTime() + (10 + l) * 60_000).toISOString(),
          duration: (10 + l) * 60,
        });
      }
    }
    const r = await tollgate.intake.ingest(TENANT, legs);
    fail('legs', r);
    if (r.ok && r.value.rejected.length > 0) throw new Error(`post-meeting set-up: legs rejected: ${JSON.stringify(r.value.rejected.slice(0, 3))}`);
  } finally {
    await store.close();
  }
}

/** POSTs activities all at once (one socket each, as Teams' many front ends would) and times each response. */
async function postAll(url: string, bodies: string[], onSent: (i: number, at: number) => void): Promise<{ ms: number[]; errors: number }> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const ms: number[] = [];
  let errors = 0;
  await Promise.all(
    bodies.map(
      (body, i) =>
        new Promise<void>((resolve) => {
          const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
            res.resume();
            res.on('end', () => {
              if ((res.statusCode ?? 0) >= 300) errors += 1;
              ms.push(performance.now() - sentAt);
              resolve();
            });
          });
          req.on('error', () => {
            errors += 1;
            resolve();
          });
          const sentAt = performance.now();
          onSent(i, sentAt);
          req.end(body);
        }),
    ),
  );
  agent.destroy();
  return { ms, errors };
}

/**
 * CPU seconds of each PostgreSQL backend process connected to `database`, by pid (from /proc: the server must run on
 * this machine); undefined when they cannot be read.
 */
async function postgresBackendCpu(database: string): Promise<Map<number, number> | undefined> {
  const admin = new pg.Client({ connectionString: benchPostgresServer() });
  try {
    await admin.connect();
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    }
    return cpu;
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

export async function runPostMeeting(options: {
  meetings?: number;
  organizers?: number;
  legsPerMeeting?: number;
  /** SQLite (a file in tmpDir, the default) or PostgreSQL (a scratch database on BENCH_DATABASE_URL's server). */
  engine?: 'sqlite' | 'postgres';
  /** Tollgate got each meeting's start event before the burst (default true). */
  startsSeen?: boolean;
  tmpDir?: string;
  log: (line: string) => void;
}): Promise<PostMeetingResult | undefined> {
  const engine = options.engine ?? 'sqlite';
  const startsSeen = options.startsSeen ?? true;
  const meetings = options.meetings ?? 200;
  const organizerCount = options.organizers ?? 50;
  const legsPerMeeting = options.legsPerMeeting ?? 4;
  const perMeeting = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined ? undefined : Math.round(((after - before) * 1000 * 10) / meetings) / 10;
  const organizers: Person[] = Array.from({ length: organizerCount }, (_, i) => ({
    aadObjectId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Organizer ${String(i).padStart(2, '0')}`,
  }));
  const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'tollgate-bench-post-meeting-'));
  const scratch = engine === 'postgres' ? await createScratchPostgres() : undefined;
  if (engine === 'postgres' && !scratch) {
    options.log('post-meeting on PostgreSQL skipped: the server does not answer');
    return undefined;
  }
  const databaseUrl = scratch ? scratch.url : `sqlite:${path.join(dir, 'tollgate.db')}`;
  options.log(`post-meeting (${engine}): ${meetings} meetings of ${organizerCount} organizers, ${legsPerMeeting} legs each${startsSeen ? '' : ', their starts not seen'}`);
  await seed(databaseUrl, organizers, meetings, legsPerMeeting);

  let connector: FakeConnector | undefined;
  const graph = await startFakeGraph();
  const procs: BotProcess[] = [];
  try {
    connector = await startFakeConnector();
    const c = connector;
    for (let m = 0; m < meetings; m++) {
      const joinUrl = `https://teams.microsoft.com/l/meetup-join/bench-${m}`;
      c.meetings.set(`bench-meeting-${m}`, { organizerAadObjectId: organizers[m % organizerCount]!.aadObjectId, title: TITLE(m), joinUrl });
      graph.meetings.set(joinUrl, { conferenceId: `pm-conf-${m}`, subject: TITLE(m) });
    }
    const countsFile = path.join(dir, 'statement-counts.json');
    const tollgate = await startBotProcess({
      name: 'Tollgate',
      entry: 'src/index.ts',
      logFile: path.join(dir, 'tollgate.log'),
      // Its statements and commits are counted (sqlite- or pg-statement-counter.cjs). POST_MEETING_NODE_ARGS,
      // e.g. '--cpu-prof --cpu-prof-dir=bench/results', profiles it.
      nodeArgs: [
        ...startNodeOptions(),
        '-r',
        path.join(__dirname, 'support', `${engine === 'sqlite' ? 'sqlite' : 'pg'}-statement-counter.cjs`),
        ...(process.env.POST_MEETING_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
      env: {
        STATEMENT_COUNTS_FILE: countsFile,
        DATABASE_URL: databaseUrl,
        SEED_DEMO: 'false',
        BOT_ID: '',
        BOT_PASSWORD: '',
        LOG_LEVEL: 'info',
        GRAPH_CLIENT_ID,
        GRAPH_CLIENT_SECRET,
        GRAPH_BASE_URL: graph.graphBaseUrl,
        LOGIN_BASE_URL: graph.loginBaseUrl,
        GRAPH_SYNC_INTERVAL_MINUTES: '0',
        NODE_EXTRA_CA_CERTS: graph.caFile,
      },
    });
    procs.push(tollgate);

    // Every organizer has talked to the bot in a personal chat (where the card goes); this also warms the process.
    const personal = (o: Person) => `a:bench-personal-${o.aadObjectId}`;
    let hellos = 0;
    c.onActivity = (a) => {
      if (a.activity.type === 'message' && a.activityId?.startsWith('hello-')) hellos += 1;
    };
    await postAll(
      `${tollgate.url}/api/messages`,
      organizers.map((o, i) => JSON.stringify(messageActivity({ id: `hello-${i}`, text: 'help', from: o, conversationId: personal(o), tenantId: TENANT, serviceUrl: c.serviceUrl }))),
      () => undefined,
    );
    await waitFor(() => hellos >= organizerCount, 30_000);

    const meetingEvents = (kind: 'start' | 'end', prefix: string) =>
      Array.from({ length: meetings }, (_, m) =>
        JSON.stringify(
          meetingActivity({
            kind,
            id: `${prefix}-${m}`,
            meetingId: `bench-meeting-${m}`,
            title: TITLE(m),
            joinUrl: `https://teams.microsoft.com/l/meetup-join/bench-${m}`,
            organizer: organizers[m % organizerCount]!,
            tenantId: TENANT,
            serviceUrl: c.serviceUrl,
          }),
        ),
      );
    if (startsSeen) {
      // The meetings started (untimed): Tollgate looks each one up now. Each event's response comes after its look-up.
      options.log(`  ${meetings} meeting-start events`);
      const starts = await postAll(`${tollgate.url}/api/messages`, meetingEvents('start', 'start'), () => undefined);
      if (starts.errors > 0) throw new Error(`post-meeting: ${starts.errors} meeting-start events failed`);
    }

    // The meetings end, all at once.
    const sentAt = new Array<number>(meetings);
    const cards = new Map<number, number>();
    let duplicates = 0; // a second post of a meeting's card (exactly-once delivery says none)
    let withoutLegs = 0; // a card that does not show its meeting's legs (the measurement would flatter Tollgate)
    c.onActivity = (a) => {
      if (a.method !== 'POST' || a.activity.type !== 'message' || !a.conversationId.startsWith('a:bench-personal-')) return;
      const m = /Bench meeting #(\d{4})/.exec(a.body);
      if (m && !a.body.includes(`${legsPerMeeting} calls`)) withoutLegs += 1;
      if (m && cards.has(Number(m[1]))) duplicates += 1;
      else if (m) cards.set(Number(m[1]), a.at);
    };
    options.log(`  ${meetings} meeting-end events at once to Tollgate`);
    const scratchDatabase = scratch ? new URL(scratch.url).pathname.slice(1) : undefined;
    const serverCpuBefore = scratchDatabase ? await postgresBackendCpu(scratchDatabase) : undefined;
    const graphLookupsBefore = graph.meetingRequests;
    const cpuBefore = tollgate.cpuSeconds();
    const ownCpuBefore = process.cpuUsage();
    tollgate.child.kill('SIGUSR2'); // counting from here
    const events = await postAll(`${tollgate.url}/api/messages`, meetingEvents('end', 'end'), (i, at) => (sentAt[i] = at));
    await waitFor(() => cards.size >= meetings, 60_000);
    if (withoutLegs > 0) throw new Error(`post-meeting: ${withoutLegs} cards do not show their meeting's ${legsPerMeeting} calls`);
    const graphLookups = graph.meetingRequests - graphLookupsBefore;
    const cpuAfter = tollgate.cpuSeconds();
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const serverCpuAfter = scratchDatabase ? await postgresBackendCpu(scratchDatabase) : undefined;
    let sqlite: PostMeetingResult['tollgate']['sqlite'];
    let postgres: PostMeetingResult['tollgate']['postgres'];
    tollgate.child.kill('SIGUSR2'); // to here
    // The counter writes the file on the signal: it may exist before it is whole.
    const readCounts = () => {
      try {
        return JSON.parse(fs.readFileSync(countsFile, 'utf8')) as { statements: number; commits: number; sqliteMs?: number };
      } catch {
        return undefined;
      }
    };
    await waitFor(() => readCounts() !== undefined, 5_000);
    const counts = readCounts();
    if (!counts) throw new Error(`post-meeting: no statement counts in ${countsFile}`);
    const each = (n: number) => Math.round((n / meetings) * 100) / 100;
    if (engine === 'sqlite') sqlite = { statementsPerMeeting: each(counts.statements), commitsPerMeeting: each(counts.commits), blockedMs: counts.sqliteMs ?? 0 };
    else {
      // Backends that ended during the burst are missed: Tollgate's pool keeps its connections while it is busy.
      const serverCpu = serverCpuBefore && serverCpuAfter ? [...serverCpuAfter].reduce((sum, [pid, after]) => sum + after - (serverCpuBefore.get(pid) ?? 0), 0) : undefined;
      postgres = { statementsPerMeeting: each(counts.statements), commitsPerMeeting: each(counts.commits), serverCpuMsPerMeeting: perMeeting(0, serverCpu) };
    }
    // POST_MEETING_STATEMENTS=1: which statements, how many times each, and on SQLite the time inside it (the event
    // loop blocked, fsyncs included).
    if (process.env.POST_MEETING_STATEMENTS === '1') {
      for (const [text, n, ms] of (counts as { bySql?: [string, number, number?][] }).bySql ?? []) options.log(`    ${String(n).padStart(5)} ${String(ms ?? '').padStart(6)} ms  ${text}`);
    }
    const cardMs = [...cards.entries()].map(([m, at]) => at - sentAt[m]!);
    const tollgateFigures = {
      cards: latencyFigures(cardMs),
      eventResponses: latencyFigures(events.ms),
      missing: meetings - cards.size,
      duplicates,
      eventErrors: events.errors,
      graphLookups,
      cpuMsPerMeeting: perMeeting(cpuBefore, cpuAfter),
      loadGeneratorCpuMsPerMeeting: perMeeting(0, (ownCpu.user + ownCpu.system) / 1e6),
      sqlite,
      postgres,
      loadAverage1m: loadAverage1m(),
    };
    const peak = tollgate.peakRssMiB();
    await tollgate.stop();
    options.log(`  Tollgate: card p50 ${tollgateFigures.cards.p50} ms, p99 ${tollgateFigures.cards.p99} ms, max ${tollgateFigures.cards.max} ms; ${tollgateFigures.missing} missing, ${duplicates} posted twice`);
    options.log(
      `  CPU ${tollgateFigures.cpuMsPerMeeting} ms per meeting (load generator and fakes: ${tollgateFigures.loadGeneratorCpuMsPerMeeting})` +
        (sqlite ? `; SQLite: ${sqlite.statementsPerMeeting} statements, ${sqlite.commitsPerMeeting} commits per meeting, ${sqlite.blockedMs} ms inside SQLite` : '') +
        (postgres ? `; PostgreSQL: ${postgres.statementsPerMeeting} statements, ${postgres.commitsPerMeeting} COMMITs, ${postgres.serverCpuMsPerMeeting} ms server CPU per meeting` : '') +
        `; Graph: ${graph.tokenRequests.length} token requests, ${graph.meetingRequests} onlineMeetings requests (${graphLookups} during the burst)`,
    );

    // The anchor: the same number of events at once to the echo bot, each answered with a message.
    const echo = await startBotProcess({ name: 'echo bot', entry: 'bench/support/echo-bot.ts', logFile: path.join(dir, 'echo.log'), env: {}, nodeArgs: startNodeOptions() });
    procs.push(echo);
    const echoSent = new Array<number>(meetings);
    const echoReplies = new Map<number, number>();
    c.onActivity = (a) => {
      const m = /^echo-end-(\d+)$/.exec(a.activityId ?? '');
      if (m && a.activity.type === 'message' && !echoReplies.has(Number(m[1]))) echoReplies.set(Number(m[1]), a.at);
    };
    const echoBodies = (prefix: string) => meetingEvents('end', prefix);
    await postAll(`${echo.url}/api/messages`, echoBodies('echo-warmup'), () => undefined); // warm, as Tollgate was
    const echoCpuBefore = echo.cpuSeconds();
    const echoOwnCpuBefore = process.cpuUsage();
    await postAll(`${echo.url}/api/messages`, echoBodies('echo-end'), (i, at) => (echoSent[i] = at));
    await waitFor(() => echoReplies.size >= meetings, 30_000);
    const echoCpuAfter = echo.cpuSeconds();
    const echoOwnCpu = process.cpuUsage(echoOwnCpuBefore);
    const echoFigures = {
      replies: latencyFigures([...echoReplies.entries()].map(([m, at]) => at - echoSent[m]!)),
      missing: meetings - echoReplies.size,
      cpuMsPerMeeting: perMeeting(echoCpuBefore, echoCpuAfter),
      loadGeneratorCpuMsPerMeeting: perMeeting(0, (echoOwnCpu.user + echoOwnCpu.system) / 1e6),
      loadAverage1m: loadAverage1m(),
    };
    options.log(`  echo bot: reply p50 ${echoFigures.replies.p50} ms, p99 ${echoFigures.replies.p99} ms; CPU ${echoFigures.cpuMsPerMeeting} ms per event (load generator: ${echoFigures.loadGeneratorCpuMsPerMeeting})`);
    const ratioP99 = tollgateFigures.cards.p99 !== undefined && echoFigures.replies.p99 ? Math.round((tollgateFigures.cards.p99 / echoFigures.replies.p99) * 100) / 100 : NaN;
    return {
      config: { meetings, organizers: organizerCount, legsPerMeeting, engine, startsSeen },
      tollgate: tollgateFigures,
      echo: echoFigures,
      ratioP99,
      targetMs: 1000,
      pass: tollgateFigures.missing === 0 && duplicates === 0 && (tollgateFigures.cards.p99 ?? Infinity) < 1000,
      peakRssMiB: { tollgate: peak },
      logs: { tollgate: path.join(dir, 'tollgate.log') },
    };
  } finally {
    for (const p of procs) await p.stop();
    await connector?.close();
    await graph.close();
    await scratch?.drop();
  }
}

if (require.main === module) {
  // npx tsx bench/post-meeting.ts [sqlite|postgres] [--starts-not-seen]
  runPostMeeting({ engine: process.argv[2] === 'postgres' ? 'postgres' : 'sqlite', startsSeen: !process.argv.includes('--starts-not-seen'), log: (l) => process.stderr.write(`${l}\n`) }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
