import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Tollgate and the Microsoft 365 Agents Playground as child processes: started, awaited until they answer, and
 * stopped. Shared by `npm run playground` and the end-to-end test, so both start them the same way.
 */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The tenant, and the user Alex Wilber (a Tollgate admin in the demo seed), that the Playground sends by default. */
export const PLAYGROUND_TENANT_ID = '00000000-0000-0000-0000-0000000000001';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type LineSink = (line: string, stream: 'stdout' | 'stderr') => void;

export class ChildService {
  readonly exited: Promise<ExitStatus>;
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private status: ExitStatus | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    onLine?: LineSink,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
      // A spawn failure (no such executable) never emits 'exit'.
      child.once('error', (err) => {
        this.remember(`${name}: ${err.message}`);
        this.status = { code: null, signal: null };
        resolve(this.status);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (!source) continue;
      readline.createInterface({ input: source }).on('line', (line) => {
        this.remember(line);
        onLine?.(line, stream);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.status === undefined;
  }

  /** The last lines the process wrote, to explain a failure. */
  recentOutput(lines = 40): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** Resolves with the first output line matching `pattern`; rejects if the process exits or time runs out first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const seen = this.lines.map((l) => l.match(pattern)).find((m) => m);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (line: string) => {
        const m = line.match(pattern);
        if (m) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name} did not print ${pattern} within ${timeoutMs / 1000} s. Its last output:\n${this.recentOutput()}`));
      }, timeoutMs);
      this.listeners.add(listener);
      void this.exited.then((s) => {
        if (!this.listeners.has(listener)) return;
        done();
        reject(new Error(`${this.name} exited (${describeExit(s)}) before printing ${pattern}. Its last output:\n${this.recentOutput()}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Safe to call more than once, or after it exited. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    if (this.running && this.child.pid !== undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (this.running) this.child.kill('SIGKILL');
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  private remember(line: string) {
    this.lines.push(line);
    if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
    for (const l of this.listeners) l(line);
  }
}

export function describeExit(s: ExitStatus): string {
  if (s.signal) return `signal ${s.signal}`;
  if (s.code === null) return 'could not start';
  return `exit code ${s.code}`;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether something already listens on host:port (so Tollgate would fail, or a health check would reach a stranger). */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, host, () => server.close(() => resolve(false)));
  });
}

export interface TollgateOptions {
  port: number;
  host?: string;
  /** `sqlite:<file>` or `postgres://…`; passed as DATABASE_URL. */
  databaseUrl: string;
  /** Extra environment (LOG_LEVEL, SEED_DEMO, …). BOT_ID and BOT_PASSWORD are always emptied: local mode. */
  env?: NodeJS.ProcessEnv;
  onLine?: LineSink;
  /** Called as soon as the process exists, before it is ready: lets a caller stop it if interrupted meanwhile. */
  onSpawn?: (service: ChildService) => void;
  readyTimeoutMs?: number;
}

export interface RunningTollgate {
  service: ChildService;
  url: string;
  messagesEndpoint: string;
}

/**
 * `src/index.ts` in local mode (empty BOT_ID: no Bot Framework auth, which is what the Playground needs), awaited
 * until GET /healthz answers 200, which is after migrations and the demo seed.
 */
export async function startTollgate(options: TollgateOptions): Promise<RunningTollgate> {
  const host = options.host ?? '127.0.0.1';
  if (await portInUse(options.port, host)) {
    throw new Error(`port ${options.port} on ${host} is already in use (another Tollgate?): stop it, or set PORT to another port`);
  }
  const child = spawn(process.execPath, ['--no-deprecation', '--import', 'tsx', path.join('src', 'index.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...options.env,
      PORT: String(options.port),
      HOST: host,
      DATABASE_URL: options.databaseUrl,
      BOT_ID: '',
      BOT_PASSWORD: '',
      BOT_TENANT_ID: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new ChildService('Tollgate', child, options.onLine);
  options.onSpawn?.(service);
  const url = `http://${host}:${options.port}`;
  try {
    await waitForHealth(service, `${url}/healthz`, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return { service, url, messagesEndpoint: `${url}/api/messages` };
}

async function waitForHealth(service: ChildService, healthUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!service.running) {
      throw new Error(`Tollgate exited (${describeExit(await service.exited)}) before answering ${healthUrl}. Its last output:\n${service.recentOutput()}`);
    }
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Tollgate did not answer ${healthUrl} within ${timeoutMs / 1000} s (${last}). Its last output:\n${service.recentOutput()}`);
}

export interface PlaygroundOptions {
  /** Tollgate's /api/messages. */
  botEndpoint: string;
  /** 0 lets the OS pick; the Playground itself falls back to a random port when this one is taken. */
  port: number;
  onLine?: LineSink;
  onSpawn?: (service: ChildService) => void;
  readyTimeoutMs?: number;
}

export interface RunningPlayground {
  service: ChildService;
  /** The page to open, on the port the Playground actually listens on. */
  url: string;
}

/** The Agents Playground, offline: no browser of its own, no telemetry, the Teams channel. */
export async function startPlayground(options: PlaygroundOptions): Promise<RunningPlayground> {
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js', { paths: [REPO_ROOT] });
  const child = spawn(
    process.execPath,
    [cli, '-e', options.botEndpoint, '-c', 'msteams', '-p', String(options.port), '--disable-telemetry'],
    { cwd: REPO_ROOT, env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const service = new ChildService('Agents Playground', child, options.onLine);
  options.onSpawn?.(service);
  try {
    const m = await service.waitForLine(/Listening on (\d+)/, options.readyTimeoutMs ?? 60_000);
    return { service, url: `http://127.0.0.1:${m[1]}` };
  } catch (err) {
    await service.stop();
    throw err;
  }
}
