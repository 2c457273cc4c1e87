import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type restify from 'restify';
import { createServer } from '../../src/http/server';
import { openStore, type Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { cardText, createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, micros, setUpTenant } from '../support/fixtures';
import { ROOT, writeGraphPage } from './support';
import { closeServer, listenLocally } from '../support/http-server';
import { scaled } from '../support/time-scale';

/**
 * SQLite out of space, and SQLite refusing writes, while the server, the bot and the CLI work on the file.
 *
 * How the faults are made, honestly and in-process where the surface runs in-process:
 * - Full: `PRAGMA max_page_count` caps the file at its current size on the server's connection; SQLite then fails
 *   every transaction that needs a new page with SQLITE_FULL, exactly as on a full disk.
 * - Full, for the CLI (a real process with a connection of its own): the OS's file-size limit (`ulimit -f`, with
 *   SIGXFSZ ignored) makes write() fail, which SQLite reports as SQLITE_IOERR_WRITE.
 * - Read-only: `PRAGMA query_only` on the server's connection (SQLITE_READONLY on every write); and for the CLI a
 *   write-protected file (chmod 444) opened by a non-root user (root ignores file permissions, so as root the CLI
 *   runs as `nobody` through runuser).
 *
 * Every time: a clear answer (HTTP 507/503 with a message and Retry-After, a bot card that says so, the CLI's exit
 * code 3 and one line), nothing of the failed change in the database, `PRAGMA integrity_check` = ok, and once the
 * fault is gone the same request succeeds and the ledger's invariant check (balance == sum of entries) passes.
 */
const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI_MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');

describe('SQLite out of space or read-only [sqlite]', () => {
  let store: Store;
  let url: string;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;
  let server: restify.Server;
  let base: string;
  let key: string;
  let legSeq = 0;

  beforeEach(async () => {
    let database;
    ({ store, database, cleanup } = await freshStore('sqlite'));
    url = database.url;
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    const k = await tollgate.ingestKeys.create(T, ADMIN);
    if (!k.ok) throw new Error(k.message);
    key = k.value.key;
    h = createHarness(tollgate);
    await h.say('help', admin); // the admin's chat is known before the fault
    server = createServer(tollgate, { maxBodyBytes: 10 * 1024 * 1024 });
    base = await listenLocally(server);
  });
  let reopened: Store | undefined;
  afterEach(async () => {
    await closeServer(server);
    await reopened?.close();
    reopened = undefined;
    await cleanup();
  });

  const batch = (n: number) =>
    Array.from({ length: n }, () => {
      legSeq += 1;
      return leg({ id: `full-${legSeq}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 90, conferenceId: `conf-${legSeq % 7}` });
    });
  const postCalls = (legs: unknown[]) =>
    fetch(`${base}/api/tenants/${T}/calls`, { method: 'POST', body: JSON.stringify({ value: legs }), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  const legIds = async () => (await store.db.selectFrom('legs').select('id').where('tenant_id', '=', T).execute()).map((r) => r.id);
  const integrity = async () => (await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(store.db)).rows.map((r) => r.integrity_check);
  const invariant = async () => {
    const report = await tollgate.ledger.checkInvariant(T);
    expect(report).toMatchObject({ ok: true });
    return report!;
  };

  it('answers 507 and a "database is full" card, writes nothing, and works again once there is room', async () => {
    expect((await postCalls(batch(20))).status).toBe(200);
    const before = await invariant();
    const pages = Number((await sql<{ page_count: number }>`PRAGMA page_count`.execute(store.db)).rows[0]!.page_count);
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(store.db);

    // Intake: a batch that needs new pages fails whole.
    const refused = batch(400);
    const res = await postCalls(refused);
    expect(res.status).toBe(507);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('storage_full');
    expect(body.message).toMatch(/out of space \(SQLITE_FULL\).*Nothing was half-written/);
    const stored = new Set(await legIds());
    expect(refused.filter((l) => stored.has(l.id as string))).toEqual([]);
    expect(await invariant()).toEqual(before);

    // The bot: fill what room is left in the ledger's pages, then an admin's purchase gets a card saying the
    // database is full, and nothing changes.
    let filled = false;
    for (let i = 0; i < 500 && !filled; i++) {
      filled = await tollgate.ledger.fund(T, micros('1'), ADMIN, 'filling').then(
        () => false,
        (err: { code?: string }) => err.code === 'SQLITE_FULL',
      );
    }
    expect(filled).toBe(true);
    const full = await invariant();
    const replies = await h.say('credits add 25', admin);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/database is full/);
    expect(replies[0]!.text).toMatch(/Nothing was changed/);
    expect(replies[0]!.text).toMatch(/SQLITE_FULL/);
    expect(await invariant()).toEqual(full);
    expect(await integrity()).toEqual(['ok']);

    // Room again: the same requests succeed, nothing was lost or doubled.
    await sql.raw('PRAGMA max_page_count = 1073741823').execute(store.db);
    const again = await postCalls(refused);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ accepted: 400, duplicates: 0 });
    const added = await h.say('credits add 25', admin);
    expect(added[0]!.text).not.toMatch(/database is full/);
    const after = await invariant();
    expect(after.entries).toBe(full.entries + 400 + 1);
    expect(await integrity()).toEqual(['ok']);
  });

  it('answers 503 and a "read-only" card while SQLite refuses writes, and recovers without a restart', async () => {
    await sql`PRAGMA query_only = 1`.execute(store.db);
    const refused = batch(10);
    const res = await postCalls(refused);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: 'storage_read_only', message: expect.stringMatching(/read-only \(SQLITE_READONLY\)/) });
    const replies = await h.say('credits add 25', admin);
    expect(replies.map((r) => r.text).join('\n')).toMatch(/database is read-only[\s\S]*Nothing was changed/);
    // What only reads still answers (most cards show the balance, which applies funding expiry first: a write).
    const help = await h.say('help', admin);
    expect(cardText(help[0]!.card)).toMatch(/credits add/);
    expect(await legIds()).toEqual([]);

    await sql`PRAGMA query_only = 0`.execute(store.db);
    expect((await postCalls(refused)).status).toBe(200);
    expect(await legIds()).toHaveLength(10);
    await invariant();
    expect(await integrity()).toEqual(['ok']);
  });

  describe('the CLI (a real process)', () => {
    const runCli = (args: string[], options: { fileSizeLimitBlocks?: number; asUser?: string } = {}) => {
      const node = [process.execPath, TSX, CLI_MAIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      // SIGXFSZ ignored, so a write over the limit fails with EFBIG instead of killing the process.
      const limit = options.fileSizeLimitBlocks ? `trap '' XFSZ; ulimit -f ${options.fileSizeLimitBlocks}; ` : '';
      const command = options.asUser ? ['runuser', '-u', options.asUser, '--', 'sh', '-c', `${limit}exec ${node}`] : ['sh', '-c', `${limit}exec ${node}`];
      const r = spawnSync(command[0]!, command.slice(1), {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: '/tmp', DATABASE_URL: url },
        encoding: 'utf8',
        timeout: scaled(60_000),
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const file = () => url.slice('sqlite:'.length);

    it('exits 3 with one line when a write does not fit on the disk, and imports everything when run again', async () => {
      await store.close(); // the CLI has the file to itself, as when an operator runs it
      const dir = path.dirname(file());
      const page = writeGraphPage(path.join(dir, 'legs.json'), batch(3000));
      const size = fs.statSync(file()).size;
      const failed = runCli(['calls', 'import', page, '--tenant', T], { fileSizeLimitBlocks: Math.ceil((size + 64 * 1024) / 512) });
      expect(failed.code).toBe(3);
      const lines = failed.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toMatch(/^tollgate: Tollgate could not write its database file \(out of disk space.*\(SQLITE_IOERR_WRITE\): nothing was half-written; free disk space/);
      expect(failed.stdout).toBe('');

      const check = runCli(['credits', 'check', '--tenant', T, '--json']);
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout)).toMatchObject({ ok: true });
      const ok = runCli(['calls', 'import', page, '--tenant', T, '--json']);
      expect({ code: ok.code, stderr: ok.code === 0 ? '' : ok.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(ok.stdout)).toMatchObject({ accepted: 3000, duplicates: 0 });
      const after = runCli(['credits', 'check', '--tenant', T, '--json']);
      expect(JSON.parse(after.stdout)).toMatchObject({ ok: true, entries: expect.any(Number) });
      store = reopened = await openStore(url, { migrate: false });
      expect(await integrity()).toEqual(['ok']);
    });

    const isRoot = process.getuid?.() === 0;
    const hasRunuser = !isRoot || spawnSync('runuser', ['--version']).status === 0;
    (hasRunuser ? it : it.skip)('exits 3 with one line on a write-protected database file, and works once it is writable', async () => {
      await store.close();
      const dir = path.dirname(file());
      const modes = [fs.statSync(dir).mode & 0o777, fs.statSync(file()).mode & 0o777];
      fs.chmodSync(file(), 0o444);
      fs.chmodSync(dir, 0o555);
      try {
        const failed = runCli(['credits', 'add', '5', '--tenant', T], isRoot ? { asUser: 'nobody' } : {});
        expect(failed.code).toBe(3);
        expect(failed.stderr.trim()).toMatch(/^tollgate: Tollgate's database is read-only \(SQLITE_READONLY\w*\): nothing was half-written; make the database .* writable/);
        expect(failed.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        fs.chmodSync(dir, modes[0]!);
        fs.chmodSync(file(), modes[1]!);
      }
      const added = runCli(['credits', 'add', '5', '--tenant', T]);
      expect(added.code).toBe(0);
      const check = runCli(['credits', 'check', '--tenant', T, '--json']);
      expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, cachedBalanceMicros: micros('105') });
      store = reopened = await openStore(url, { migrate: false });
      expect(await integrity()).toEqual(['ok']);
    });
  });
});
