import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
/** USER_HZ: Linux reports process CPU times in hundredths of a second on every platform Node runs on. */
const CLOCK_TICKS = 100;

/** A port nobody listens on right now (the OS picks it). */
import { freePort } from '../../scripts/playground-processes';

export { freePort };

/** package.json's start script as arguments to tsx: `tsx [node options] src/index.ts`. */
export function startCommand(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'tsx' || !words[words.length - 1]!.endsWith('.ts')) {
    throw new Error(`bench: package.json's start script is not "tsx [options] <entry>.ts": ${pkg.scripts?.start}`);
  }
  return words.slice(1);
}

/**
 * The Node options of package.json's start script (`--max-old-space-size=1024`): every Tollgate process a benchmark
 * starts runs with them, as production does, and so do the anchor bots beside it (the same heap settings on both
 * sides of a ratio). Without them V8 lets a busy bot's heap grow to about twice its size before collecting (the bot
 * latency benchmark's Tollgate peaked at 525-540 MiB, 281-314 MiB with them).
 */
export function startNodeOptions(): string[] {
  return startCommand().slice(0, -1);
}

export interface BotProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Kernel high-water mark of the process's RSS, MiB, read from /proc before it stops (Linux). */
  peakRssMiB(): number | undefined;
  /** CPU time the process has used so far (user + system), seconds, from /proc (Linux); undefined elsewhere. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry point as its own Node process, the way `npm start` runs Tollgate (tsx's CommonJS hook;
 * the start script's Node options are the caller's to pass: startNodeOptions()), and waits until GET /healthz
 * answers 200. Output goes to `logFile`.
 */
export async function startBotProcess(options: { name: string; entry: string; env: NodeJS.ProcessEnv; logFile: string; port?: number; nodeArgs?: string[] }): Promise<BotProcess> {
  const port = options.port ?? (await freePort());
  const log = fs.openSync(options.logFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '-r', 'tsx/cjs', options.entry], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  let exited: number | null | undefined;
  let stopped = false;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.name} exited with code ${exited} before answering: see ${options.logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${options.name} did not answer /healthz within 120 s: see ${options.logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const peakRssMiB = () => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
      return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : undefined;
    } catch {
      return undefined;
    }
  };
  const cpuSeconds = () => {
    try {
      // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the ")" closing the name.
      const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return undefined;
    }
  };
  return {
    name: options.name,
    url,
    child,
    peakRssMiB,
    cpuSeconds,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (exited === undefined) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      fs.closeSync(log);
    },
  };
}
