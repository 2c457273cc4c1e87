import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_TENANT_ID } from '../src/demo/seed-demo';
import { latencyFigures, loadAverage1m, messageActivity, type LatencyFigures, type Person } from './support/activities';
import { startBotProcess, startNodeOptions, type BotProcess } from './support/bot-process';
import { startFakeConnector, type ReceivedActivity } from './support/fake-connector';

// autocannon has no type declarations: the little of it used here.
interface AutocannonClient {
  setRequests(requests: { method: string; path: string; headers: Record<string, string>; setupRequest: (req: { body?: string }) => { body?: string } }[]): void;
}
interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: (opts: Record<string, unknown>) => Promise<AutocannonResult> = require('autocannon');

/**
 * Bot latency (issue 5): `balance` and `meeting last`, in turn, sent as Teams activities to POST /api/messages from
 * `connections` conversations at once (autocannon, one conversation per connection, each sending its next message
 * when the last one was answered), against a bare botbuilder echo bot under the same load, both separate processes
 * speaking to the same fake connector in this process.
 *
 * Two figures per bot, measured the same way for both:
 *   - request → HTTP response: autocannon's latency (the adapter answers a message activity once the turn is done,
 *     so this includes sending the reply to the connector);
 *   - request → reply received by the fake connector (the card, for Tollgate): stamped when the request is built
 *     (just before autocannon writes it) and when the connector has read the reply's body.
 * The bots alternate (echo, Tollgate, echo, Tollgate) so a change in the machine's load falls on both.
 * Target: Tollgate's p99 at most 2 × the echo bot's.
 */
export interface BotRun {
  bot: 'tollgate' | 'echo';
  round: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  http: { p50: number; p90: number; p99: number; max: number };
  reply: LatencyFigures;
  /** Replies that were not a card (Tollgate) or not the echo: error messages and the like. */
  wrongReplies: number;
  /** The bot process's CPU time (user + system) per request: steadier than latency on a busy machine. */
  cpuMsPerRequest: number | undefined;
  loadAverage1m: number;
}

export interface BotLatencyResult {
  /** warmupSeconds: how long the longer of the two warm-ups took (each is warmupRequests requests). */
  config: { connections: number; secondsPerRound: number; rounds: number; warmupRequests: number; warmupSeconds: number; commands: string[] };
  runs: BotRun[];
  /** All rounds of a bot together (percentiles over every request). */
  tollgate: { http: LatencyFigures; reply: LatencyFigures; requestsPerSecond: number; cpuMsPerRequest: number | undefined };
  echo: { http: LatencyFigures; reply: LatencyFigures; requestsPerSecond: number; cpuMsPerRequest: number | undefined };
  ratioP99Http: number;
  ratioP99Reply: number;
  /** Tollgate's CPU time per request over the echo bot's. */
  ratioCpu: number;
  target: number;
  pass: boolean;
  peakRssMiB: { tollgate?: number; echo?: number };
  logs: { tollgate: string; echo: string };
}

const USERS: Person[] = [
  { aadObjectId: '00000000-0000-0000-0000-0000000000020', name: 'Alex Wilber' },
  { aadObjectId: '00000000-0000-0000-0000-0000000000021', name: 'Megan Bowen' },
  { aadObjectId: '00000000-0000-0000-0000-0000000000022', name: 'Adele Vance' },
  { aadObjectId: '00000000-0000-0000-0000-0000000000023', name: 'Isaiah Langer' },
];
const COMMANDS = ['balance', 'meeting last'];

export async function runBotLatency(options: {
  connections?: number;
  secondsPerRound?: number;
  rounds?: number;
  /** Requests each bot answers before the measured rounds (the same count for both, however fast each is). */
  warmupRequests?: number;
  tmpDir?: string;
  log: (line: string) => void;
}): Promise<BotLatencyResult> {
  const connections = options.connections ?? 50;
  const secondsPerRound = options.secondsPerRound ?? 8;
  const rounds = options.rounds ?? 2;
  const warmupRequests = options.warmupRequests ?? 3000;
  const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'tollgate-bench-bot-'));
  const connector = await startFakeConnector();
  const procs: BotProcess[] = [];
  try {
    options.log(`bot latency: starting Tollgate (SQLite, demo seed) and the echo bot, fake connector at ${connector.serviceUrl}`);
    const tollgate = await startBotProcess({
      name: 'Tollgate',
      entry: 'src/index.ts',
      logFile: path.join(dir, 'tollgate.log'),
      env: { DATABASE_URL: `sqlite:${path.join(dir, 'tollgate.db')}`, SEED_DEMO: 'true', BOT_ID: '', BOT_PASSWORD: '', LOG_LEVEL: 'info', GRAPH_CLIENT_ID: '', GRAPH_CLIENT_SECRET: '' },
      // Where the time goes, e.g. BENCH_BOT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": a CPU profile of the bot
      // process, written when it stops (bench/cpu-profile-summary.ts).
      nodeArgs: [...startNodeOptions(), ...(process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    });
    procs.push(tollgate);
    const echo = await startBotProcess({ name: 'echo bot', entry: 'bench/support/echo-bot.ts', logFile: path.join(dir, 'echo.log'), env: {}, nodeArgs: startNodeOptions() });
    procs.push(echo);

    const sent = new Map<string, { at: number; bot: string }>();
    let replies: number[] = [];
    let wrong = 0;
    connector.onActivity = (a: ReceivedActivity) => {
      if (a.activity.type !== 'message' || !a.activityId) return;
      const s = sent.get(a.activityId);
      if (!s) return;
      sent.delete(a.activityId);
      replies.push(a.at - s.at);
      const ok = s.bot === 'tollgate' ? a.body.includes('application/vnd.microsoft.card.adaptive') && !a.body.includes('went wrong') : a.body.includes('echo: ');
      if (!ok) wrong += 1;
    };

    let runId = 0;
    const load = async (bot: 'tollgate' | 'echo', target: BotProcess, length: { seconds: number } | { requests: number }): Promise<{ result: AutocannonResult; replies: number[]; wrong: number; cpuSeconds: number | undefined }> => {
      runId += 1;
      replies = [];
      wrong = 0;
      sent.clear();
      let nextConversation = 0;
      const cpuBefore = target.cpuSeconds();
      const result = await autocannon({
        url: `${target.url}/api/messages`,
        connections,
        ...('seconds' in length ? { duration: length.seconds } : { amount: length.requests }),
        timeout: 30,
        setupClient: (client: AutocannonClient) => {
          const c = nextConversation++;
          const from = USERS[c % USERS.length]!;
          // The same 50 conversations in every run of a bot, the warm-up included: the load is people who have
          // talked to the bot before (a first message from a new conversation also stores where to reach it).
          const conversationId = `a:bench-${bot}-${c}`;
          let n = 0;
          client.setRequests([
            {
              method: 'POST',
              path: '/api/messages',
              headers: { 'content-type': 'application/json' },
              setupRequest: (req) => {
                const id = `${conversationId}-${runId}-${n}`;
                const text = COMMANDS[n % COMMANDS.length]!;
                n += 1;
                sent.set(id, { at: performance.now(), bot });
                return { ...req, body: JSON.stringify(messageActivity({ id, text, from, conversationId, tenantId: DEMO_TENANT_ID, serviceUrl: connector.serviceUrl })) };
              },
            },
          ]);
        },
      });
      // Replies still on their way when the load stopped.
      await new Promise((r) => setTimeout(r, 500));
      const cpuAfter = target.cpuSeconds();
      return { result, replies: [...replies], wrong, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
    };

    let warmupSeconds = 0;
    for (const [bot, target] of [['echo', echo], ['tollgate', tollgate]] as const) {
      // By requests, not seconds: a fresh process compiles as it goes (in the first rounds Tollgate used a third more
      // CPU per request than later), and a bot that answers fewer requests a second would get less of a warm-up.
      options.log(`  warm-up: ${bot}, ${warmupRequests} requests`);
      const { result } = await load(bot, target, { requests: warmupRequests });
      warmupSeconds = Math.max(warmupSeconds, Math.round(result.duration));
    }
    const runs: BotRun[] = [];
    const all = { tollgate: { reply: [] as number[], requests: 0, seconds: 0, cpu: 0 as number | undefined }, echo: { reply: [] as number[], requests: 0, seconds: 0, cpu: 0 as number | undefined } };
    for (let round = 1; round <= rounds; round++) {
      for (const [bot, target] of [['echo', echo], ['tollgate', tollgate]] as const) {
        const { result, replies: r, wrong: w, cpuSeconds } = await load(bot, target, { seconds: secondsPerRound });
        const run: BotRun = {
          bot,
          round,
          seconds: result.duration,
          requests: result.requests.total,
          requestsPerSecond: Math.round(result.requests.total / result.duration),
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          http: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
          reply: latencyFigures(r),
          wrongReplies: w,
          cpuMsPerRequest: cpuSeconds === undefined ? undefined : Math.round((cpuSeconds * 1000 * 100) / Math.max(1, result.requests.total)) / 100,
          loadAverage1m: loadAverage1m(),
        };
        runs.push(run);
        all[bot].reply.push(...r);
        all[bot].requests += run.requests;
        all[bot].seconds += run.seconds;
        all[bot].cpu = all[bot].cpu === undefined || cpuSeconds === undefined ? undefined : all[bot].cpu! + cpuSeconds;
        options.log(`  ${bot} round ${round}: ${run.requests} requests (${run.requestsPerSecond}/s), HTTP p50 ${run.http.p50} ms p99 ${run.http.p99} ms, reply p50 ${run.reply.p50} ms p99 ${run.reply.p99} ms, ${run.cpuMsPerRequest} ms CPU each, load ${run.loadAverage1m}`);
      }
    }
    // autocannon gives percentiles per run, not samples: the combined HTTP figure is the worse round's.
    const combinedHttp = (bot: 'tollgate' | 'echo'): LatencyFigures => {
      const rs = runs.filter((r) => r.bot === bot);
      return {
        count: rs.reduce((s, r) => s + r.requests, 0),
        p50: Math.max(...rs.map((r) => r.http.p50)),
        p90: Math.max(...rs.map((r) => r.http.p90)),
        p99: Math.max(...rs.map((r) => r.http.p99)),
        max: Math.max(...rs.map((r) => r.http.max)),
      };
    };
    const cpuPer = (b: (typeof all)['echo']) => (b.cpu === undefined ? undefined : Math.round((b.cpu * 1000 * 100) / Math.max(1, b.requests)) / 100);
    const t = { http: combinedHttp('tollgate'), reply: latencyFigures(all.tollgate.reply), requestsPerSecond: Math.round(all.tollgate.requests / all.tollgate.seconds), cpuMsPerRequest: cpuPer(all.tollgate) };
    const e = { http: combinedHttp('echo'), reply: latencyFigures(all.echo.reply), requestsPerSecond: Math.round(all.echo.requests / all.echo.seconds), cpuMsPerRequest: cpuPer(all.echo) };
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? Math.round((a / b) * 100) / 100 : NaN);
    const ratioP99Http = ratio(t.http.p99, e.http.p99);
    const ratioP99Reply = ratio(t.reply.p99, e.reply.p99);
    return {
      config: { connections, secondsPerRound, rounds, warmupRequests, warmupSeconds, commands: COMMANDS },
      runs,
      tollgate: t,
      echo: e,
      ratioP99Http,
      ratioP99Reply,
      ratioCpu: ratio(t.cpuMsPerRequest, e.cpuMsPerRequest),
      target: 2,
      pass: ratioP99Http <= 2 && ratioP99Reply <= 2,
      peakRssMiB: { tollgate: tollgate.peakRssMiB(), echo: echo.peakRssMiB() },
      logs: { tollgate: path.join(dir, 'tollgate.log'), echo: path.join(dir, 'echo.log') },
    };
  } finally {
    for (const p of procs) await p.stop();
    await connector.close();
  }
}

if (require.main === module) {
  const seconds = Number(process.env.BENCH_BOT_SECONDS) || undefined;
  runBotLatency({ secondsPerRound: seconds, log: (l) => process.stderr.write(`${l}\n`) }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
