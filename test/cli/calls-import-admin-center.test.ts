import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../support/cli-runner';
import { describeEachEngine, createTestDatabase, type TestDatabase } from '../support/engines';
import { TEST_RATES_CSV, USERS_CSV } from '../support/fixtures';
import { buildZip } from '../fixtures/admin-center/zip-writer';
import {
  AWKWARD_CSV,
  AWKWARD_EXPECTED,
  EXPORT_ZIP,
  GRAPH_TWINS,
  HEADER,
  MALFORMED_EXPECTED,
  MALFORMED_GOOD_CHARGED,
  dialOutRow,
  read,
} from '../fixtures/admin-center/export-fixtures';


describeEachEngine('tollgate calls import: the admin center export', (engine) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  const run = (args: string[]) => cli(args, env);
  const importJson = async (f: string, ...more: string[]) => {
    const r = await run(['calls', 'import', f, '--tenant', 'ac-t', '--json', ...more]);
    return { ...r, summary: r.out ? JSON.parse(r.out) : undefined };
  };
  /** Everything an import can write: legs, ledger, balance, meetings. */
  const state = async () => ({
    legs: (await run(['calls', 'list', '--tenant', 'ac-t', '--json'])).out,
    statement: (await run(['statement', '--tenant', 'ac-t', '--json'])).out,
    balance: JSON.parse((await run(['balance', '--tenant', 'ac-t', '--json'])).out).balanceMicros as number,
    meetings: (await run(['meetings', '--tenant', 'ac-t', '--json'])).out,
  });

  beforeEach(async () => {
    database = await createTestDatabase(engine);
    env = { DATABASE_URL: database.url };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-cli-ac-'));
    expect((await run(['tenant', 'init', 'ac-t', '--country', 'US', '--currency', 'USD', '--pool-licenses', '1'])).code).toBe(0);
    expect((await run(['rates', 'load', file('rates.csv', TEST_RATES_CSV), '--tenant', 'ac-t'])).code).toBe(0);
    expect((await run(['users', 'import', file('users.csv', USERS_CSV), '--tenant', 'ac-t'])).code).toBe(0);
    expect((await run(['credits', 'add', '100', '--tenant', 'ac-t'])).code).toBe(0);
  });
  afterEach(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports an export zip: good rows charged, malformed ones listed with their CSV and line, exit 1', async () => {
    const r = await importJson(EXPORT_ZIP);
    expect(r.code).toBe(1);
    expect(r.summary).toMatchObject({
      records: 24,
      accepted: 9,
      ignored: 3,
      duplicates: 1,
      conflicts: 0,
      charged: AWKWARD_EXPECTED.charged + MALFORMED_GOOD_CHARGED,
      currency: 'USD',
    });
    expect(r.summary.rejected.map((x: { file: string; line: number; id: string | null; reason: string }) => [x.file, x.line, x.id, x.reason])).toEqual(
      MALFORMED_EXPECTED.map(([line, id, reason]) => ['PSTN.calls.2026-11-11.csv', line, id, reason]),
    );
    expect(r.progress.length).toBeGreaterThan(0);
    expect((await state()).balance).toBe(100_000_000 - AWKWARD_EXPECTED.charged - MALFORMED_GOOD_CHARGED);

    // The human form: one line per rejected row, where it is and why; the rows are all duplicates the second time.
    const again = await run(['calls', 'import', EXPORT_ZIP, '--tenant', 'ac-t']);
    expect(again.code).toBe(1);
    expect(again.out).toBe('24 records: 0 accepted, 13 duplicates, 0 conflicts, 0 ignored, 11 rejected; charged $0.00\n');
    const lines = again.err.trimEnd().split('\n');
    expect(lines).toHaveLength(MALFORMED_EXPECTED.length);
    expect(lines[0]).toBe('  PSTN.calls.2026-11-11.csv line 3 (ac-bad-duration): malformed_record: Duration Seconds: must be a number of seconds, not "ten"');
    expect(lines[2]).toBe('  PSTN.calls.2026-11-11.csv line 5: malformed_record: 19 fields where the header has 20 (a comma in a value needs quotes)');
    expect(lines[9]).toBe('  PSTN.calls.2026-11-11.csv line 12 (ac-no-organizer): malformed_record: AAD ObjectId or UPN (the organizer) is required');
  });

  it('imports a bare PSTN.calls CSV, and a re-import is all duplicates with exit 0', async () => {
    const r = await importJson(AWKWARD_CSV, '--batch', '2');
    expect(r.code).toBe(0);
    const { records, ...summary } = AWKWARD_EXPECTED;
    expect(r.summary).toMatchObject({ ...summary, records, rejected: [] });
    const before = await state();
    const again = await run(['calls', 'import', AWKWARD_CSV, '--tenant', 'ac-t']);
    expect(again).toMatchObject({ code: 0, out: `${records} records: 0 accepted, ${records} duplicates, 0 conflicts, 0 ignored, 0 rejected; charged $0.00\n`, err: '' });
    expect(await state()).toEqual(before);
  });

  it('charges a call once when Graph JSON and the export both hold it, in either order', async () => {
    const graphFile = file('graph-page.json', JSON.stringify({ value: GRAPH_TWINS }));
    const graph = await importJson(graphFile);
    expect(graph.summary).toMatchObject({ records: 5, accepted: 4, ignored: 1 });
    const csv = await importJson(AWKWARD_CSV);
    expect(csv.code).toBe(0);
    expect(csv.summary).toMatchObject({ duplicates: GRAPH_TWINS.length + 1, conflicts: 0, charged: AWKWARD_EXPECTED.charged - graph.summary.charged });
    const s = await state();
    expect(s.balance).toBe(100_000_000 - AWKWARD_EXPECTED.charged);
    const charges = JSON.parse(s.statement).filter((e: { kind: string }) => e.kind === 'charge');
    expect(charges).toHaveLength(AWKWARD_EXPECTED.chargedLegs);
    expect(new Set(charges.map((e: { legId: string }) => e.legId)).size).toBe(charges.length);
    // Graph again, after the export: nothing new.
    expect((await importJson(graphFile)).summary).toMatchObject({ accepted: 0, duplicates: 5, conflicts: 0, charged: 0 });
    expect(await state()).toEqual(s);
  });

  it('tells the kind of file by its content, not its name', async () => {
    expect((await importJson(file('export.json', fs.readFileSync(EXPORT_ZIP)))).summary).toMatchObject({ records: 24, accepted: 9 });
    expect((await importJson(file('calls.txt', read(AWKWARD_CSV)))).summary).toMatchObject({ records: 11, duplicates: 11 });
    expect((await importJson(file('graph.csv', JSON.stringify(GRAPH_TWINS)))).summary).toMatchObject({ records: 5, duplicates: 5 });
  });

  it.each([
    ['a CSV whose header is not the 20 columns', () => file('PSTN.calls.x.csv', `${HEADER.replace('UPN,', 'Email,')}\n${dialOutRow('x-1')}\n`), /PSTN\.calls\.x\.csv, line 1: the header is not the 20 columns .*\(missing "UPN"; unexpected "Email"\)/],
    [
      'a zip with one good CSV and one whose header is wrong',
      () =>
        file(
          'Calls.Export.zip',
          buildZip([
            { name: 'PSTN.calls.2026-11-12.csv', content: `${HEADER}\n${dialOutRow('x-1')}\n` },
            { name: 'PSTN.calls.2026-11-13.csv', content: `UsageId,Charge\nx-2,1\n` },
          ]),
        ),
      /Calls\.Export\.zip \(PSTN\.calls\.2026-11-13\.csv\), line 1: this is not the header/,
    ],
    ['a zip without PSTN.calls CSVs', () => file('other.zip', buildZip([{ name: 'users.csv', content: 'a,b\n' }])), /other\.zip has no PSTN\.calls\.\*\.csv inside \(it holds users\.csv\)/],
    ['a damaged zip', () => file('broken.zip', fs.readFileSync(EXPORT_ZIP).subarray(0, 300)), /broken\.zip is not a readable zip/],
    ['a file of another kind', () => file('notes.txt', 'hello'), /is not a Graph page .* nor the Teams admin center's PSTN usage export/],
  ])('refuses %s: one line, exit 2, nothing written', async (_, make, message) => {
    const before = await state();
    const r = await run(['calls', 'import', make(), '--tenant', 'ac-t']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
    expect(await state()).toEqual(before);
  });

  it('keeps the rows before a quoted field that never ends, and says where it starts (exit 3)', async () => {
    const rows = [dialOutRow('q-1'), dialOutRow('q-2')];
    const f = file('PSTN.calls.2026-11-12.csv', `${HEADER}\n${rows.join('\n')}\nq-3,"${'x'.repeat(1_100_000)}\n`);
    const r = await run(['calls', 'import', f, '--tenant', 'ac-t', '--batch', '1']);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${f}: line 4: the record runs on for more than 1 MB: a quoted field is never closed; the 2 records before it were imported`);
    expect(JSON.parse((await run(['calls', 'list', '--tenant', 'ac-t', '--json'])).out).map((l: { id: string }) => l.id)).toEqual(['q-1', 'q-2']);
  });
});
