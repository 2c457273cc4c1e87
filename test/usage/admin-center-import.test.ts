import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, setUpTenant } from '../support/fixtures';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { FileShapeError, callRecordFileKind, locateBatchRejections, readCallRecordFile } from '../../src/usage/call-record-file';
import { addSummaries, emptySummary, type IntakeSummary } from '../../src/usage/intake';
import { buildZip } from '../fixtures/admin-center/zip-writer';
import {
  AWKWARD_CSV,
  AWKWARD_EXPECTED,
  EXPORT_ZIP,
  GRAPH_TWINS,
  HEADER,
  MALFORMED_CSV,
  MALFORMED_EXPECTED,
  MALFORMED_GOOD_CHARGED,
  dialOutRow,
  read,
} from '../fixtures/admin-center/export-fixtures';

type Located = IntakeSummary['rejected'][number] & { file?: string; line?: number };

/** Reads and settles a file batch by batch, the way `tollgate calls import` does. */
async function importFile(tollgate: Tollgate, file: string, batchSize = 1000): Promise<IntakeSummary & { rows: number; batches: number }> {
  let total = emptySummary();
  let rows = 0;
  let batches = 0;
  for await (const batch of readCallRecordFile(file, batchSize)) {
    const { records, rejected } = tollgate.intake.validate(batch.records, batch.offset);
    const settled = await tollgate.intake.settle(T, records);
    if (!settled.ok) throw new Error(settled.message);
    const located = (batch.rejected ?? []).concat(locateBatchRejections(batch, rejected)).sort((a, b) => a.index - b.index);
    total = addSummaries(total, { ...settled.value, rejected: located.concat(settled.value.rejected) });
    rows += batch.records.length + (batch.rejected?.length ?? 0);
    batches += 1;
  }
  return { ...total, rows, batches };
}

async function snapshot(store: Store) {
  const legs = await store.db
    .selectFrom('legs')
    .select(['id', 'call_type', 'status', 'toll_free', 'paid_by', 'billed_seconds', 'charge_micros', 'organizer_name', 'ms_charge_micros', 'ms_license_capability', 'ms_inventory_type', 'content_hash', 'start_at'])
    .where('tenant_id', '=', T)
    .orderBy('id')
    .execute();
  const entries = await store.db.selectFrom('ledger_entries').select(['seq', 'kind', 'amount_micros', 'leg_id']).where('tenant_id', '=', T).orderBy('seq').execute();
  const tenant = await store.db.selectFrom('tenants').select(['balance_micros']).where('tenant_id', '=', T).executeTakeFirstOrThrow();
  const norm = (rows: object[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])));
  return { legs: norm(legs), entries: norm(entries), balance: Number(tenant.balance_micros) };
}

describeEachEngine('admin center export import', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let dir: string;
  const write = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-admin-center-'));
  });
  afterEach(async () => {
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rates the awkward rows like Graph rows: spellings, missing fields, FREECALL, zero seconds, other call types', async () => {
    const r = await importFile(tollgate, AWKWARD_CSV);
    const { records, ...summary } = AWKWARD_EXPECTED;
    expect(r).toMatchObject({ ...summary, rows: records, conflicts: 0, rejected: [] });
    const legs = new Map((await snapshot(store)).legs.map((l) => [l.id, l]));
    expect(legs.get('ac-out-de')).toMatchObject({ call_type: 'conf_out', status: 'rated', paid_by: 'credits', billed_seconds: 600, charge_micros: 600_000, ms_charge_micros: 600_000 });
    expect(legs.get('ac-in-tollfree')).toMatchObject({ call_type: 'conf_in', toll_free: 1, paid_by: 'credits', charge_micros: 200_000, organizer_name: 'Scriber, Sub', ms_inventory_type: 'TollFree' });
    expect(legs.get('ac-in-zero')).toMatchObject({ call_type: 'conf_in', toll_free: 0, paid_by: 'subscription', billed_seconds: 0, charge_micros: 0, start_at: '2026-11-10T09:02:00.000Z', ms_inventory_type: 'Toll' });
    expect(legs.get('ac-in-freecall')).toMatchObject({ paid_by: 'subscription', charge_micros: 0, ms_license_capability: 'FREECALL', ms_charge_micros: 0 });
    expect(legs.get('ac-out-upn-only')).toMatchObject({ paid_by: 'credits', charge_micros: 60_000, ms_charge_micros: null, ms_license_capability: null, ms_inventory_type: null });
    expect(legs.get('ac-out-ae')).toMatchObject({ paid_by: 'credits', charge_micros: 800_000, organizer_name: 'Jane "JJ" Doe, PhD', start_at: '2026-11-10T12:00:00.000Z' });
    expect(legs.get('ac-in-multiline')).toMatchObject({ toll_free: 1, charge_micros: 40_000, organizer_name: 'Sub\r\nScriber (Finance)', ms_inventory_type: 'TollFree' });
    for (const [id, type] of [['ac-user-out', 'user_out'], ['ac-user-out-conf', 'user_out_conf'], ['ac-emergency', 'emergency_call']]) {
      expect(legs.get(id!)).toMatchObject({ call_type: type, status: 'ignored', paid_by: null, charge_micros: 0 });
    }
    expect(legs.size).toBe(10);
    const meetings = await tollgate.meetings.meetings(T);
    expect(meetings.map((m) => [m.conferenceId, m.legs, m.chargeMicros]).sort()).toEqual([
      ['conf-ac-1', 1, 600_000],
      ['conf-ac-2', 3, 200_000],
      ['conf-ac-3', 2, 840_000],
    ]);
  });

  it('imports the good rows of a file with malformed ones and says which line each bad one is on, and why', async () => {
    const r = await importFile(tollgate, MALFORMED_CSV);
    expect(r).toMatchObject({ rows: 13, accepted: 2, charged: MALFORMED_GOOD_CHARGED });
    const rejected = r.rejected as Located[];
    expect(rejected.map((x) => [x.line, x.id, x.reason])).toEqual(MALFORMED_EXPECTED.map(([line, id, reason]) => [line, id, reason]));
    rejected.forEach((x, i) => {
      expect(x.file).toBe('PSTN.calls.2026-11-11.csv');
      expect(x.message).toMatch(MALFORMED_EXPECTED[i]![3]);
      // Rows are numbered in file order, across batches and files (rows with errors included).
      expect(x.index).toBe(MALFORMED_EXPECTED[i]![0] - 2);
    });
  });

  it('charges the same call once, whether Graph or the admin center reported it first', async () => {
    const twinIds = GRAPH_TWINS.map((t) => t.id as string);
    // Graph first (the sync and the API both go through Intake), then the export.
    const graph = await tollgate.intake.ingest(T, GRAPH_TWINS);
    const twinsCharged = 600_000 + 200_000 + 60_000 + 800_000;
    expect(graph).toMatchObject({ ok: true, value: { accepted: 4, ignored: 1, charged: twinsCharged } });
    const afterGraph = await snapshot(store);
    const r = await importFile(tollgate, AWKWARD_CSV);
    expect(r).toMatchObject({ duplicates: twinIds.length + 1, conflicts: 0, accepted: AWKWARD_EXPECTED.accepted - 4, ignored: AWKWARD_EXPECTED.ignored - 1 });
    expect(r.charged).toBe(AWKWARD_EXPECTED.charged - twinsCharged);
    const after = await snapshot(store);
    // The twins' legs are the ones Graph's rows wrote, untouched; one charge per leg in the ledger.
    expect(after.legs.filter((l) => twinIds.includes(l.id as string))).toEqual(afterGraph.legs);
    const charges = after.entries.filter((e) => e.kind === 'charge').map((e) => e.leg_id);
    expect(new Set(charges).size).toBe(charges.length);
    expect(after.balance).toBe(100_000_000 - AWKWARD_EXPECTED.charged);

    // And the other way round: the export first, then Graph: all duplicates.
    const again = await tollgate.intake.ingest(T, GRAPH_TWINS);
    expect(again).toMatchObject({ ok: true, value: { accepted: 0, duplicates: GRAPH_TWINS.length, conflicts: 0, charged: 0 } });
  });

  it('is all duplicates on a re-import, whatever the batch size, and writes nothing', async () => {
    const first = await importFile(tollgate, EXPORT_ZIP, 4);
    expect(first).toMatchObject({ rows: 24, accepted: 9, ignored: 3, duplicates: 1, charged: AWKWARD_EXPECTED.charged + MALFORMED_GOOD_CHARGED });
    expect(first.batches).toBe(6);
    const before = await snapshot(store);
    for (const size of [1, 7, 5000]) {
      const again = await importFile(tollgate, EXPORT_ZIP, size);
      expect(again).toMatchObject({ rows: 24, accepted: 0, ignored: 0, duplicates: 13, conflicts: 0, charged: 0 });
      expect(again.rejected).toHaveLength(MALFORMED_EXPECTED.length);
    }
    expect(await snapshot(store)).toEqual(before);
  });

  it('settles a zip exactly as the same CSVs one by one', async () => {
    const zipped = await importFile(tollgate, EXPORT_ZIP, 3);
    const zippedState = await snapshot(store);
    await cleanup();
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
    const a = await importFile(tollgate, AWKWARD_CSV, 3);
    const b = await importFile(tollgate, MALFORMED_CSV, 3);
    expect(await snapshot(store)).toEqual(zippedState);
    expect(zipped.charged).toBe(a.charged + b.charged);
    expect((zipped.rejected as Located[]).map((x) => [x.file, x.line, x.index])).toEqual(
      (b.rejected as Located[]).map((x) => [x.file, x.line, x.index + AWKWARD_EXPECTED.records]),
    );
  });

  it('reads every PSTN.calls CSV of a zip, in name order, in any folder and however it was written, and nothing else', async () => {
    const day = (d: string, ids: string[]) => `${HEADER}\r\n${ids.map((id) => dialOutRow(id, { 'Start Time': `2026-11-${d}T08:00:00Z`, 'End Time': '' })).join('\r\n')}\r\n`;
    const zip = write(
      'Calls.Export.zip',
      buildZip([
        { name: 'Calls.Export/PSTN.calls.2026-11-13.csv', content: day('13', ['z-3a', 'z-3b']), dataDescriptor: true },
        { name: 'Calls.Export/', content: '', method: 'store' },
        { name: 'Calls.Export/PSTN.calls.2026-11-12.csv', content: day('12', ['z-2a']), method: 'store' },
        { name: 'Calls.Export/DirectRouting.calls.2026-11-12.csv', content: 'not, ours\n' },
        { name: 'readme.txt', content: 'hello' },
      ]),
    );
    const r = await importFile(tollgate, zip, 2);
    expect(r).toMatchObject({ rows: 3, accepted: 3, charged: 180_000, rejected: [] });
    const legs = await tollgate.meetings.legs(T, {});
    expect(legs.map((l) => l.id)).toEqual(['z-2a', 'z-3a', 'z-3b']);
  });

  it('refuses a zip with a wrong header in any of its CSVs before importing anything', async () => {
    const zip = write(
      'Calls.Export.zip',
      buildZip([
        { name: 'PSTN.calls.2026-11-12.csv', content: `${HEADER}\n${dialOutRow('h-1')}\n` },
        { name: 'PSTN.calls.2026-11-13.csv', content: `${HEADER.replace('Charge', 'Cost')}\n${dialOutRow('h-2')}\n` },
      ]),
    );
    const before = await snapshot(store);
    await expect(importFile(tollgate, zip)).rejects.toThrow(
      new FileShapeError(`${zip} (PSTN.calls.2026-11-13.csv), line 1: the header is not the 20 columns of the admin center's PSTN usage export (missing "Charge"; unexpected "Cost"); expected: ${HEADER}`),
    );
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses a zip with a damaged entry before importing anything, and says which', async () => {
    const zip = write(
      'Calls.Export.zip',
      buildZip([
        { name: 'PSTN.calls.2026-11-12.csv', content: `${HEADER}\n${dialOutRow('d-1')}\n` },
        { name: 'PSTN.calls.2026-11-13.csv', content: `${HEADER}\n${dialOutRow('d-2')}\n`, corruptCrc: true },
      ]),
    );
    const before = await snapshot(store);
    await expect(importFile(tollgate, zip)).rejects.toThrow(
      new FileShapeError(`${zip} (PSTN.calls.2026-11-13.csv): the file is damaged: its CRC-32 does not match the one the zip recorded`),
    );
    expect(await snapshot(store)).toEqual(before);
  });

  it.each([
    ['a zip named .json', () => fs.readFileSync(EXPORT_ZIP), 'export.json', 'zip'],
    ['a CSV named .txt', () => read(AWKWARD_CSV), 'calls.txt', 'csv'],
    ['a CSV with its header in quotes', () => `"UsageId","Call ID"\n`, 'x.dat', 'csv'],
    ['a Graph page named .csv', () => JSON.stringify({ value: GRAPH_TWINS }), 'page.csv', 'json'],
    ['a JSON array with a BOM', () => `\uFEFF  ${JSON.stringify(GRAPH_TWINS)}`, 'rows', 'json'],
    ['an empty zip', () => buildZip([]), 'empty.bin', 'zip'],
  ])('tells %s by its content', async (_, content, name, kind) => {
    expect(await callRecordFileKind(write(name, content()))).toBe(kind);
  });

  it('says what it expected of a file it cannot tell', async () => {
    await expect(callRecordFileKind(write('x.json', 'hello'))).rejects.toThrow(/is not a Graph page \{ "value": \[\.\.\.\] \} or a JSON array, nor the Teams admin center's PSTN usage export/);
    await expect(callRecordFileKind(write('x.zip', 'hello'))).rejects.toThrow(/x\.zip is not a zip file$/);
    await expect(importFile(tollgate, write('x.csv', 'hello\n1,2\n'))).rejects.toThrow(/x\.csv, line 1: this is not the header of the admin center's PSTN usage export/);
    await expect(importFile(tollgate, write('empty.csv', ''))).rejects.toThrow(/empty\.csv is empty/);
    await expect(importFile(tollgate, write('empty.zip', buildZip([])))).rejects.toThrow(/empty\.zip has no PSTN\.calls\.\*\.csv inside \(it is empty\)/);
    await expect(importFile(tollgate, write('truncated.zip', fs.readFileSync(EXPORT_ZIP).subarray(0, 400)))).rejects.toThrow(/truncated\.zip is not a readable zip: /);
  });
});

describe('the committed export zip', () => {
  it('holds the two committed CSVs as they are', async () => {
    const { ExportZip } = await import('../../src/usage/admin-center-zip');
    const zip = await ExportZip.open(EXPORT_ZIP);
    try {
      expect(zip.callFiles.map((e) => e.fileName)).toEqual(['PSTN.calls.2026-11-10.csv', 'PSTN.calls.2026-11-11.csv']);
      for (const [entry, file] of [[zip.callFiles[0]!, AWKWARD_CSV], [zip.callFiles[1]!, MALFORMED_CSV]] as const) {
        const chunks: Buffer[] = [];
        for await (const c of await zip.openStream(entry)) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).equals(fs.readFileSync(file))).toBe(true);
      }
    } finally {
      zip.close();
    }
    // The awkward file keeps what makes it awkward: a BOM and CRLF line ends.
    const awkward = fs.readFileSync(AWKWARD_CSV);
    expect(awkward.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    expect(awkward.toString('utf8').split('\r\n')).toHaveLength(15);
  });
});
