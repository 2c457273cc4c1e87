import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SQLITE_FILE } from '../src/config/config';
import {
  REPO_ROOT,
  describeExit,
  startPlayground,
  startTollgate,
  type ChildService,
  type LineSink,
} from './playground-processes';

/**
 * `npm run playground`: Tollgate in local mode plus the Microsoft 365 Agents Playground in front of it, so you can
 * chat with the bot in a browser without Teams or an app registration. Ctrl-C stops both.
 *
 * PORT (default 3978) and DATABASE_URL (default the same SQLite file as `npm start`, seeded with the demo tenant when
 * empty) work as for `npm start`; PLAYGROUND_PORT (default 56150) is the page's port.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT || 3978);
  const playgroundPort = Number(process.env.PLAYGROUND_PORT || 56150);
  for (const [name, value] of [['PORT', port], ['PLAYGROUND_PORT', playgroundPort]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number (0-65535)`);
  }
  const databaseUrl = process.env.DATABASE_URL || `sqlite:${DEFAULT_SQLITE_FILE}`;
  if (databaseUrl.startsWith('sqlite:')) {
    fs.mkdirSync(path.dirname(path.resolve(REPO_ROOT, databaseUrl.slice('sqlite:'.length).trim())), { recursive: true });
  }
  if (process.env.BOT_ID) say(`BOT_ID is set in your environment; the Playground needs local mode, so Tollgate runs with an empty BOT_ID.`);

  const services: ChildService[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping Tollgate and the Agents Playground…');
    await Promise.all(services.map((s) => s.stop()));
    process.exit(code);
  };
  // Ctrl-C reaches the children too (same process group); stop() makes sure they are gone before we exit.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  say(`starting Tollgate on http://127.0.0.1:${port} (${databaseUrl}, local mode)…`);
  const track = (s: ChildService) => services.push(s);
  const tollgate = await startTollgate({ port, databaseUrl, onLine: prefixed('tollgate', tollgateLine), onSpawn: track, readyTimeoutMs: 120_000 });

  say('starting the Microsoft 365 Agents Playground…');
  const playground = await startPlayground({
    botEndpoint: tollgate.messagesEndpoint,
    port: playgroundPort,
    onLine: prefixed('playground'),
    onSpawn: track,
  }).catch(async (err) => {
    await tollgate.service.stop();
    throw err;
  });

  process.stdout.write(
    [
      '',
      `  Open ${playground.url} in your browser to chat with Tollgate.`,
      '',
      '  You are Alex Wilber, a Tollgate admin in the demo tenant. Try:',
      '    help · balance · rates Germany · meetings · meeting last · usage · policy',
      '    credits add 25 · autorecharge on 50 200 · policy set global (a form to choose from)',
      '  and the buttons on the cards (Refresh, Details).',
      '',
      '  Ctrl-C stops both.',
      '',
    ].join('\n') + '\n',
  );

  // If either one dies, stop the other: a Playground without a bot (or the reverse) only confuses.
  for (const s of services) {
    void s.exited.then((status) => {
      if (stopping) return;
      say(`${s.name} stopped unexpectedly (${describeExit(status)})`);
      void stopAll(1);
    });
  }
}

function say(message: string) {
  process.stdout.write(`playground: ${message}\n`);
}

/** Tollgate logs JSON lines (pino); show the message and, on errors, the error, not the whole record. */
function tollgateLine(line: string): string {
  try {
    const record = JSON.parse(line) as { msg?: string; level?: number; err?: { message?: string } };
    if (typeof record.msg !== 'string') return line;
    const level = record.level && record.level >= 50 ? 'ERROR ' : record.level && record.level >= 40 ? 'WARN ' : '';
    return `${level}${record.msg}${record.err?.message ? `: ${record.err.message}` : ''}`;
  } catch {
    return line;
  }
}

function prefixed(name: string, format: (line: string) => string = (l) => l): LineSink {
  return (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`[${name}] ${format(line)}\n`);
}

main().catch((err) => {
  process.stderr.write(`playground: ${(err as Error).message}\n`);
  process.exit(1);
});
