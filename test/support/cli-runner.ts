import { runCli } from '../../src/cli/program';

/** Runs the tollgate CLI in-process and collects what it printed: stdout, stderr and progress lines. */
export async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; progress: string[] }> {
  let out = '';
  let err = '';
  const progress: string[] = [];
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), progress: (s) => progress.push(s), env });
  return { code, out, err, progress };
}
