import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface TimedRun {
  exitCode: number | null;
  wallSeconds: number;
  /** The process's peak resident set size (GNU time's "Maximum resident set size"), MiB; undefined without /usr/bin/time. */
  maxRssMiB: number | undefined;
  userSeconds: number | undefined;
  systemSeconds: number | undefined;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs `command args` as its own process (under GNU time -v when the machine has it) and reports its cost. */
export async function timedRun(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<TimedRun> {
  const withTime = fs.existsSync(GNU_TIME);
  const [cmd, argv] = withTime ? [GNU_TIME, ['-v', command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  const field = (name: string) => {
    const m = new RegExp(`${name}:\\s*([\\d.]+)`).exec(stderr);
    return m ? Number(m[1]) : undefined;
  };
  const kb = field('Maximum resident set size \\(kbytes\\)');
  return {
    exitCode,
    wallSeconds,
    maxRssMiB: kb === undefined ? undefined : Math.round(kb / 102.4) / 10,
    userSeconds: field('User time \\(seconds\\)'),
    systemSeconds: field('System time \\(seconds\\)'),
    stdout,
    stderr: withTime ? stderr.replace(/\tCommand being timed:[\s\S]*$/, '') : stderr,
  };
}
