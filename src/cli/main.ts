import type { CliIo } from './io';

const argv = process.argv.slice(2);
// `tollgate export` writes up to a million rows: it runs the export's own program, which loads the export's few
// modules rather than every command's (the services, Graph, intake). require, not import(): tsx's CommonJS hook
// (bin/tollgate.js) compiles what require loads, and leaves import() to Node's ESM loader.
const runCli: (argv: string[], io: CliIo) => Promise<number> =
  argv[0] === 'export'
    ? (require('./export-commands') as typeof import('./export-commands')).runExportCli
    : (require('./program') as typeof import('./program')).runCli;
const progressToTty = process.stderr.isTTY;
runCli(argv, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  progress: progressToTty ? (s) => process.stderr.write(`\r${s}\x1b[K`) : (s) => process.stderr.write(`${s}\n`),
  env: process.env,
}).then((code) => {
  if (progressToTty) process.stderr.write('\n');
  process.exitCode = code;
});
