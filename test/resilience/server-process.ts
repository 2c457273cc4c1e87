import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, sleep } from './support';
import { scaled } from '../support/time-scale';

/**
 * The Tollgate server (src/index.ts, what `npm start` runs) as a real OS process of its own: one node process
 * with tsx loaded in it (`node --require tsx/cjs`), so a kill -9 is the server's death and nothing else. Its log
 * (pino JSON on stdout, and stderr) is kept for the test to read or print when something fails.
 */
export interface ServerProcess {
  name: string;
  port: number;
  base: string;
  child: ChildProcess;
  pid: number;
  log(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  kill9(): void;
  stop(): Promise<void>;
}

import { freePort } from '../../scripts/playground-processes';

export { freePort };

const started = new Set<ServerProcess>();

export async function startServer(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src', 'index.ts')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'info', ...env },
  });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString('utf8')));
  let exited = false;
  const server: ServerProcess = {
    name,
    port,
    base: `http://127.0.0.1:${port}`,
    child,
    pid: child.pid!,
    log: () => log,
    exited: new Promise((resolve) =>
      child.on('close', (code, signal) => {
        exited = true;
        started.delete(server);
        resolve({ code, signal });
      }),
    ),
    alive: () => !exited,
    kill9: () => {
      if (exited) return;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const done = await Promise.race([server.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) server.kill9();
      await server.exited;
    },
  };
  started.add(server);
  return server;
}

/** Waits until /healthz answers 200 (or the process dies, or time runs out: then throws with its log). */
export async function untilHealthy(server: ServerProcess, timeoutMs = scaled(30_000)): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!server.alive()) throw new Error(`${server.name} exited before it was healthy:\n${server.log()}`);
    const ok = await fetch(`${server.base}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${server.name} not healthy after ${timeoutMs} ms:\n${server.log()}`);
    await sleep(100);
  }
}

/** For afterAll: no server outlives its test. */
export async function stopAllServers(): Promise<void> {
  const left = [...started];
  for (const s of left) s.kill9();
  await Promise.all(left.map((s) => s.exited));
}

/**
 * Which of `pids` owns the TCP socket whose local port is `localPort` and whose peer port is `peerPort` (a client
 * connection to one of the test's fakes), from /proc (Linux). Undefined when none does, or /proc is not there.
 */
export function ownerOfConnection(localPort: number, peerPort: number, pids: readonly number[]): number | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      // A closed connection of the same ports may linger (TIME_WAIT) with inode 0: the live one is wanted.
      if (f[1]!.endsWith(`:${hex(localPort)}`) && f[2]!.endsWith(`:${hex(peerPort)}`) && f[9] !== '0') inode = f[9];
    }
    if (inode) break;
  }
  if (!inode || inode === '0') return undefined;
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
