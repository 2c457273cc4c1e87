import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server-process';
import { scaled } from '../support/time-scale';

/**
 * A PostgreSQL server of the test's own (initdb into a temp dir, its own port on 127.0.0.1, its unix socket in the
 * temp dir), so the test may stop and start it without touching the shared server other work uses. PostgreSQL
 * refuses to run as root: as root, initdb and pg_ctl run as the `postgres` OS user (runuser), with the temp dir
 * handed to it.
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  remove(): void;
}

/** The server binaries' folder, or why there is none. */
export function findPostgresBin(): { bin: string } | { missing: string } {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) return { missing: `no PostgreSQL server binaries (${root}/*/bin/initdb)` };
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
      execFileSync('runuser', ['--version'], { stdio: 'ignore' });
    } catch {
      return { missing: 'running as root without a `postgres` OS user or runuser to start PostgreSQL as' };
    }
  }
  return { bin: path.join(root, versions[0]!, 'bin') };
}

export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const isRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (tool: string, args: string[]) => {
    const command = isRoot ? ['runuser', '-u', 'postgres', '--', path.join(bin, tool), ...args] : [path.join(bin, tool), ...args];
    execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: scaled(60_000) });
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
  // Small and quick: this server holds one test's data; fsync off (a stop, even an immediate one, is not an OS crash).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40 -c shared_buffers=16MB`;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']),
    stop: (mode = 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']),
    remove: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // not running
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  pg.start();
  return pg;
}
