import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { ADMIN_CENTER_COLUMNS, GRAPH_FIELD_OF, type AdminCenterColumn } from '../../src/usage/admin-center-row';
import { FileShapeError, locateBatchRejections, readCallRecordFile } from '../../src/usage/call-record-file';
import type { Rejection } from '../../src/usage/intake';
import { HEADER, csvField, dialOutRow } from '../fixtures/admin-center/export-fixtures';
import { cli } from '../support/cli-runner';
import { createTestDatabase, describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, TEST_RATES_CSV, USERS_CSV, setUpTenant } from '../support/fixtures';
import { scaled } from '../support/time-scale';

/**
 * The admin center export with its rows mutated. Field-level mutations keep the file's framing (values replaced by
 * nasty text, quoted as RFC 4180 quotes it; fields dropped or added; bare-comma and blank lines): then every data
 * row is accounted for at the line it starts on, each untouched row is read as a good record, and each rejection
 * names its CSV, its line and why, in the export's own column names. Byte-level mutations (stray quotes, line
 * breaks, NULs, BOMs, cuts) may break the framing: then reading still never crashes (a file-shape error at worst),
 * and every row it reports sits on a line of the file, in order.
 */
type Located = Rejection & { file?: string; line?: number };
interface Read {
  /** Each data row read, good or rejected, by index: the line it starts on and, if rejected, why. */
  rows: { index: number; line: number; rejection?: Located }[];
  shapeError?: string;
}

async function readExport(tollgate: Tollgate, file: string, batchSize: number): Promise<Read> {
  const rows: Read['rows'] = [];
  try {
    for await (const batch of readCallRecordFile(file, batchSize)) {
      const { rejected } = tollgate.intake.validate(batch.records, batch.offset);
      const located = (batch.rejected ?? []).concat(locateBatchRejections(batch, rejected)) as Located[];
      const byIndex = new Map(located.map((r) => [r.index, r]));
      expect(byIndex.size).toBe(located.length);
      for (const o of batch.origins ?? []) rows.push({ index: o.index, line: o.line, rejection: byIndex.get(o.index) });
      for (const r of batch.rejected ?? []) rows.push({ index: r.index, line: (r as Located).line!, rejection: r });
    }
  } catch (err) {
    if (!(err instanceof FileShapeError)) throw err;
    return { rows: rows.sort((a, b) => a.index - b.index), shapeError: err.message };
  }
  return { rows: rows.sort((a, b) => a.index - b.index) };
}

const GRAPH_FIELDS = new Set(Object.values(GRAPH_FIELD_OF));

/** What every reported rejection must be: where (file and line), a reason and a message in the export's terms. */
function expectLocatedReason(r: Located, fileName: string, lastLine: number): void {
  expect(r.file).toBe(fileName);
  expect(Number.isInteger(r.line) && r.line! >= 2 && r.line! <= lastLine).toBe(true);
  expect(r.reason).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  expect(r.message.trim().length).toBeGreaterThan(5);
  const field = /^(\w+):/.exec(r.message)?.[1];
  if (field) expect(GRAPH_FIELDS.has(field)).toBe(false);
}

const NASTY = [
  '', ' ', 'ten', '-5', '1.5', '0x1f', '1e3', '99999999999999', 'Doe, Jane', 'a "quoted" value', 'two\r\nlines', 'one\nline', '"', '""',
  '\u0000', 'x\u0000y', '\uFEFF', 'é', '💸', '\u202E', '=cmd|x', '+1555', '+4930123456', 'conf_in', 'Conference out', 'user_out', 'Toll free',
  '2026-11-31T10:00:00Z', '2026-11-12 08:00:00', 'yesterday', 'x'.repeat(300), 'USD', 'usd',
];

type FieldMutation =
  | { kind: 'value'; column: number; value: string }
  | { kind: 'drop-field'; column: number }
  | { kind: 'add-field'; value: string }
  | { kind: 'bare-commas' }
  | { kind: 'blank' };

const fieldMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('value' as const), column: fc.nat(ADMIN_CENTER_COLUMNS.length - 1), value: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 12 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-field' as const), column: fc.nat(ADMIN_CENTER_COLUMNS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-field' as const), value: fc.constantFrom(...NASTY) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bare-commas' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'blank' as const }) },
);

const goodRow = fc.record({
  number: fc.constantFrom(NUMBERS.deLandline, NUMBERS.usLandline, NUMBERS.gbLandline, NUMBERS.usTollFree),
  seconds: fc.integer({ min: 0, max: 7200 }),
  callType: fc.constantFrom('conf_out', 'conf_in', 'Conference in', 'Dial-out conference', 'user_out'),
  name: fc.constantFrom('', 'Pay PerMinute', 'PerMinute, Pay', 'Ann "AJ" Jones', 'Zoë\r\nÜnal'),
});

/** A row's 20 fields, as the standard header orders them. */
function fieldsOf(id: string, g: typeof goodRow extends fc.Arbitrary<infer U> ? U : never): string[] {
  const start = new Date(Date.UTC(2026, 10, 12, 8));
  const values: Partial<Record<AdminCenterColumn, string>> = {
    UsageId: id,
    'Call ID': `call-${id}`,
    'Conference ID': 'conf-fuzz',
    'AAD ObjectId': 'u-ppm',
    UPN: 'ppm@contoso.example',
    'User Display Name': g.name,
    'Call Type': g.callType,
    'Number Type': g.number === NUMBERS.usTollFree ? 'Toll free' : 'Toll',
    'Destination Number': g.number,
    'Start Time': start.toISOString(),
    'End Time': new Date(start.getTime() + g.seconds * 1000).toISOString(),
    'Duration Seconds': String(g.seconds),
    Currency: 'USD',
  };
  return ADMIN_CENTER_COLUMNS.map((c) => values[c] ?? '');
}

const rowSpec = fc.record({
  row: goodRow,
  mutations: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fieldMutation, { minLength: 1, maxLength: 2 }) }),
});
type RowSpec = typeof rowSpec extends fc.Arbitrary<infer U> ? U : never;

/**
 * The export's text for these rows, and where each data row must be reported: the spec it came from and the line
 * it starts on (one past the line breaks before it, quoted ones included). Bare-comma and blank lines are no rows.
 */
function buildExport(prefix: string, specs: RowSpec[], eol: string, bom: boolean): { text: string; expected: { spec: number; line: number }[]; lastLine: number } {
  const records: { text: string; spec: number | null }[] = [];
  specs.forEach((s, i) => {
    let fields: string[] | null = fieldsOf(`${prefix}-${i}`, s.row);
    let blank = false;
    for (const m of s.mutations) {
      if (m.kind === 'blank') blank = true;
      else if (m.kind === 'bare-commas') fields = null;
      else if (fields && m.kind === 'value') fields[m.column] = m.value;
      else if (fields && m.kind === 'drop-field') fields.splice(m.column, 1);
      else if (fields && m.kind === 'add-field') fields.push(m.value);
    }
    if (blank) records.push({ text: '', spec: null });
    records.push(fields ? { text: fields.map(csvField).join(','), spec: i } : { text: ','.repeat(19), spec: null });
  });
  let line = 2;
  const expected: { spec: number; line: number }[] = [];
  for (const r of records) {
    if (r.spec !== null && r.text.replace(/,/g, '').trim() !== '') expected.push({ spec: r.spec, line });
    line += r.text.split('\n').length;
  }
  const text = `${bom ? '\uFEFF' : ''}${[HEADER, ...records.map((r) => r.text)].join(eol)}${eol}`;
  return { text, expected, lastLine: line - 1 };
}

describe('the admin center export with mutated rows', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let dir: string;
  let n = 0;
  const write = (content: string | Buffer) => {
    const p = path.join(dir, `PSTN.calls.2026-11-${String((n++ % 28) + 1).padStart(2, '0')}.csv`);
    fs.writeFileSync(p, content);
    return p;
  };

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore('sqlite'));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-csv-fuzz-'));
  });
  afterAll(async () => {
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accounts for every data row at the line it starts on; untouched rows are good, the others good or rejected with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { minLength: 1, maxLength: 25 }),
        fc.constantFrom('\r\n', '\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        async (specs, eol, bom, batchSize) => {
          const { text, expected, lastLine } = buildExport(`fz-${n}`, specs, eol, bom);
          const file = write(text);
          const read = await readExport(tollgate, file, batchSize);
          expect(read.shapeError).toBeUndefined();
          expect(read.rows.map((r) => r.index)).toEqual(expected.map((_, i) => i));
          expect(read.rows.map((r) => r.line)).toEqual(expected.map((e) => e.line));
          read.rows.forEach((r, i) => {
            const spec = specs[expected[i]!.spec]!;
            if (spec.mutations.length === 0) expect(r.rejection).toBeUndefined();
            if (r.rejection) {
              expect(r.rejection.line).toBe(r.line);
              expectLocatedReason(r.rejection, path.basename(file), lastLine);
            }
          });
        },
      ),
      { seed: 4_181, numRuns: 200 },
    );
  }, scaled(60_000));

  it('never crashes on a file cut, or with stray quotes, line breaks, NULs and BOMs anywhere: rows stay on lines of the file, in order', async () => {
    const good = [HEADER, ...Array.from({ length: 12 }, (_, i) => dialOutRow(`bb-${i}`, i % 3 === 0 ? { 'User Display Name': 'Doe, "JJ"\r\nJane' } : {}))].join('\r\n') + '\r\n';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(), text: fc.constantFrom('"', '""', ',', '\r', '\n', '\r\n', '\u0000', '\uFEFF', 'é', '\uD800', 'x') , remove: fc.nat(3) }), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.integer({ min: 1, max: 5 }),
        async (edits, cut, batchSize) => {
          // Edits after the header, so the file stays the export (a broken header is refused whole, and tested elsewhere).
          let text = good;
          for (const e of edits) {
            const at = HEADER.length + 2 + (e.at % (text.length - HEADER.length - 2));
            text = text.slice(0, at) + e.text + text.slice(at + e.remove);
          }
          if (cut !== undefined) text = text.slice(0, HEADER.length + 2 + (cut % (text.length - HEADER.length - 1)));
          const file = write(text);
          const lastLine = text.split('\n').length;
          const read = await readExport(tollgate, file, batchSize);
          expect(read.rows.map((r) => r.index)).toEqual(read.rows.map((_, i) => i));
          const lines = read.rows.map((r) => r.line);
          expect(lines).toEqual([...lines].sort((a, b) => a - b));
          expect(new Set(lines).size).toBe(lines.length);
          for (const r of read.rows) {
            expect(r.line >= 2 && r.line <= lastLine).toBe(true);
            if (r.rejection) expectLocatedReason(r.rejection, path.basename(file), lastLine);
          }
          if (read.shapeError) expect(read.shapeError).toMatch(/line \d+/);
        },
      ),
      { seed: 4_182, numRuns: 200 },
    );
  }, scaled(60_000));
});

describeEachEngine('tollgate calls import of a mutated export', (engine) => {
  let dir: string;
  let n = 0;
  const write = (content: string, name = `PSTN.calls.2026-12-${String((n++ % 28) + 1).padStart(2, '0')}.csv`) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-csv-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('through `tollgate calls import`: the good rows are charged once, each bad one is listed with its line, and the exit code says so', async () => {
    const database = await createTestDatabase(engine);
    const env = { DATABASE_URL: database.url };
    try {
      const setup = async (args: string[]) => {
        const r = await cli(args, env);
        expect([args.join(' '), r.code, r.err]).toEqual([args.join(' '), 0, '']);
      };
      await setup(['tenant', 'init', 'csv-t', '--country', 'US', '--currency', 'USD']);
      await setup(['rates', 'load', write(TEST_RATES_CSV, 'rates.csv'), '--tenant', 'csv-t']);
      await setup(['users', 'import', write(USERS_CSV, 'users.csv'), '--tenant', 'csv-t']);
      await setup(['credits', 'add', '1000', '--tenant', 'csv-t']);
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(rowSpec, { minLength: 1, maxLength: 12 }), async (specs) => {
          round += 1;
          const { text, expected, lastLine } = buildExport(`cli-${round}`, specs, '\r\n', false);
          const file = write(text);
          const name = path.basename(file);
          const first = await cli(['calls', 'import', file, '--tenant', 'csv-t', '--json', '--batch', '5'], env);
          const summary = JSON.parse(first.out) as { records: number; accepted: number; ignored: number; duplicates: number; conflicts: number; charged: number; rejected: Located[] };
          expect(summary.records).toBe(expected.length);
          expect(summary.accepted + summary.ignored + summary.duplicates + summary.conflicts + summary.rejected.length).toBe(expected.length);
          expect(first.code).toBe(summary.rejected.length + summary.conflicts > 0 ? 1 : 0);
          const lines = new Set(expected.map((e) => e.line));
          for (const r of summary.rejected) {
            expectLocatedReason(r, name, lastLine);
            expect(lines.has(r.line!)).toBe(true);
          }
          // The human form: one line per rejected row (the first 20), each saying where.
          const human = await cli(['calls', 'import', file, '--tenant', 'csv-t'], env);
          expect(human.code).toBe(first.code === 0 ? 0 : 1);
          for (const l of human.err.trimEnd().split('\n').filter(Boolean)) expect(l).toMatch(new RegExp(`^  ${name.replace(/\./g, '\\.')} line \\d+( \\(.*\\))?: [a-z_]+: .+$|^  … and \\d+ more`, 's'));
          expect(human.out).toMatch(/ 0 accepted, .* charged \$0\.00\n$/);
        }),
        { seed: 4_183, numRuns: engine === 'sqlite' ? 10 : 4 },
      );
    } finally {
      await database.drop();
    }
  }, scaled(60_000));
});
