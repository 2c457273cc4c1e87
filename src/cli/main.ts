import { runCli } from './program';

const progressToTty = process.stderr.isTTY;
runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  progress: progressToTty ? (s) => process.stderr.write(`\r${s}\x1b[K`) : (s) => process.stderr.write(`${s}\n`),
  env: process.env,
}).then((code) => {
  if (progressToTty) process.stderr.write('\n');
  process.exitCode = code;
});
