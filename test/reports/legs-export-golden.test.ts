import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { writeLegsCsv } from '../../src/reports/legs-report';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { readCallRecordFile } from '../../src/usage/call-record-file';
import { AWKWARD_CSV } from '../fixtures/admin-center/export-fixtures';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';

/**
 * The legs export, byte for byte, against the file the export wrote before its fast path (commit bd651cf: Kysely
 * pages of LegRow objects, csv-stringify), but for the lone CR and LF it now quotes: the same fixture must give the same bytes on both engines, whatever the
 * page size. The fixture has what the cells are made of: the directory's locations (by id, by UPN in another case,
 * unknown users), Microsoft's own labels and charges, pool, credit and subscription legs, ignored call types, the
 * admin center's awkward rows, and text that needs RFC 4180 quoting (commas, quotes, line breaks).
 */
const GOLDEN = path.join(__dirname, '../fixtures/reports/legs-export.golden.csv');
const RANGE = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

describeEachEngine('legs export: the same bytes as before', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
    const legs = [
      leg({ id: 'ppm-to-de', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, start: '2026-11-02T09:00:00Z' }),
      leg({ id: 'ppm-to-us', organizer: USERS.ppm, number: NUMBERS.usLandline, seconds: 61, start: '2026-11-02T09:00:00Z' }),
      leg({ id: 'sub-in-us', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true, seconds: 95 }),
      leg({ id: 'sub-toll-in', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usLandline, seconds: 7300 }),
      leg({ id: 'sub-to-ca', organizer: USERS.sub, number: NUMBERS.caLandline, seconds: 3599, charge: 0.12 }),
      leg({ id: 'sub-to-fr', organizer: USERS.sub, number: NUMBERS.frLandline, seconds: 0 }),
      leg({ id: 'addon-to-ae', organizer: USERS.addon, number: NUMBERS.aeLandline, seconds: 125 }),
      { ...leg({ id: 'upn-only', number: NUMBERS.deLandline, seconds: 60 }), userId: null, userPrincipalName: 'PPM@Contoso.Example' },
      leg({ id: 'stranger', organizer: 'not-imported', number: NUMBERS.usLandline, seconds: 60 }),
      leg({ id: 'user-out', organizer: USERS.sub, callType: 'user_out', number: NUMBERS.usLandline, seconds: 60 }),
      { ...leg({ id: 'sub-from-gb', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 60 }), usageCountryCode: 'GB' },
      { ...leg({ id: 'ms-label', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60 }), destinationContext: 'International' },
      { ...leg({ id: 'quoted "name"', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 }), userDisplayName: 'PerMinute, Pay "PPM"\r\nsecond line' },
      // A lone LF or CR is quoted (the golden file's only difference from the old export, which wrote them bare).
      // The unit separator joins a row's cells when it is read (legPages): a cell holding one is read again apart.
      { ...leg({ id: 'unit-separator', organizer: USERS.addon, number: NUMBERS.caLandline, seconds: 60 }), userDisplayName: 'Unit\x1fSeparator' },
      { ...leg({ id: 'lone-lf', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60 }), userDisplayName: 'Line\nfeed', userPrincipalName: 'cr\r@contoso.example' },
      leg({ id: 'last-instant', organizer: USERS.ppm, number: NUMBERS.deMobile, seconds: 30, start: '2026-11-30T23:59:59.999Z' }),
      leg({ id: 'december', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-12-01T00:00:00Z' }),
    ];
    // The fixture numbers calls in the order it makes them, across engines: the same call ids on every run.
    const r = await tollgate.intake.ingest(T, legs.map((l, i) => ({ ...l, callId: `call-${i + 1}` })));
    if (!r.ok) throw new Error(r.message);
    for await (const batch of readCallRecordFile(AWKWARD_CSV, 1000)) {
      const { records } = tollgate.intake.validate(batch.records, batch.offset);
      const settled = await tollgate.intake.settle(T, records);
      if (!settled.ok) throw new Error(settled.message);
    }
  });
  afterAll(async () => cleanup());

  it.each([undefined, 1, 4])('pages of %s: the golden file', async (pageSize) => {
    let csv = '';
    const n = await writeLegsCsv(store, T, RANGE, (chunk) => void (csv += chunk), pageSize);
    expect(n).toBe((parse(csv) as string[][]).length - 1);
    expect(n).toBeGreaterThanOrEqual(20);
    expect(csv).toBe(fs.readFileSync(GOLDEN, 'utf8'));
  });
});
