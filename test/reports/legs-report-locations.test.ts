import { parse } from 'csv-parse/sync';
import { destinationContext, writeLegsCsv } from '../../src/reports/legs-report';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { readCallRecordFile } from '../../src/usage/call-record-file';
import { AWKWARD_CSV, read } from '../fixtures/admin-center/export-fixtures';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';

const NOVEMBER = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

/** The export's rows by UsageId, each as { column: cell }. */
async function exported(store: Store, tenantId = T): Promise<Map<string, Record<string, string>>> {
  let csv = '';
  await writeLegsCsv(store, tenantId, NOVEMBER, (chunk) => void (csv += chunk));
  const [header, ...rows] = parse(csv) as string[][];
  return new Map(rows.map((cells) => [cells[0]!, Object.fromEntries(header!.map((h, i) => [h, cells[i]!]))]));
}

const where = (r: Record<string, string> | undefined) => r && { location: r['User Location'], context: r['Domestic/International'] };

describe('destinationContext: Microsoft\'s domestic rule', () => {
  it.each([
    ['DE', 'DE', 'Domestic'],
    ['de', 'DE', 'Domestic'],
    ['US', 'DE', 'International'],
    ['CA', 'US', 'International'],
    [null, 'US', null],
    ['US', null, null],
    ['US', '', null],
    ['US', 'United States', null],
  ])('number in %s, user in %s: %s', (to, home, expected) => {
    expect(destinationContext(to, home)).toBe(expected);
  });
});

describeEachEngine('legs export: User Location and Domestic/International', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
  });
  afterEach(async () => cleanup());

  const ingest = async (records: Record<string, unknown>[]) => {
    const r = await tollgate.intake.ingest(T, records);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.rejected).toEqual([]);
    return r.value;
  };

  it("fills both from the directory when the row said nothing: the leg user's usage location against the number's country", async () => {
    await ingest([
      leg({ id: 'ppm-to-de', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 }),
      leg({ id: 'ppm-to-us', organizer: USERS.ppm, number: NUMBERS.usLandline, seconds: 60 }),
      leg({ id: 'sub-in-us', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true, seconds: 60 }),
      leg({ id: 'sub-to-ca', organizer: USERS.sub, number: NUMBERS.caLandline, seconds: 60 }),
      // Named by UPN only (Graph gave no user id), in another case than the directory's.
      { ...leg({ id: 'upn-only', number: NUMBERS.deLandline, seconds: 60 }), userId: null, userPrincipalName: 'PPM@Contoso.Example' },
      // Not in the directory: nothing is known of where they are.
      leg({ id: 'stranger', organizer: 'not-imported', number: NUMBERS.usLandline, seconds: 60 }),
      // Not a meeting leg: stored as ignored, never rated, so no destination is known.
      leg({ id: 'user-out', organizer: USERS.sub, callType: 'user_out', number: NUMBERS.usLandline, seconds: 60 }),
    ]);
    const rows = await exported(store);
    expect(where(rows.get('ppm-to-de'))).toEqual({ location: 'DE', context: 'Domestic' });
    expect(where(rows.get('ppm-to-us'))).toEqual({ location: 'DE', context: 'International' });
    expect(where(rows.get('sub-in-us'))).toEqual({ location: 'US', context: 'Domestic' });
    expect(where(rows.get('sub-to-ca'))).toEqual({ location: 'US', context: 'International' });
    expect(where(rows.get('upn-only'))).toEqual({ location: 'DE', context: 'Domestic' });
    expect(where(rows.get('stranger'))).toEqual({ location: '', context: '' });
    expect(where(rows.get('user-out'))).toEqual({ location: 'US', context: '' });
  });

  it("keeps what the imported row said: its usage location over the directory's, Microsoft's label over the rule", async () => {
    await ingest([
      // The user was in GB when the call was made (the directory says US today).
      { ...leg({ id: 'sub-from-gb', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 60 }), usageCountryCode: 'GB' },
      { ...leg({ id: 'ms-label', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60 }), destinationContext: 'International' },
    ]);
    const rows = await exported(store);
    expect(where(rows.get('sub-from-gb'))).toEqual({ location: 'GB', context: 'Domestic' });
    expect(where(rows.get('ms-label'))).toEqual({ location: 'US', context: 'International' });
  });

  it("writes back the admin center export's own User Location and Domestic/International for every row it imported", async () => {
    for await (const batch of readCallRecordFile(AWKWARD_CSV, 1000)) {
      const { records } = tollgate.intake.validate(batch.records, batch.offset);
      const settled = await tollgate.intake.settle(T, records);
      if (!settled.ok) throw new Error(settled.message);
    }
    const source: string[][] = parse(read(AWKWARD_CSV), { bom: true, relax_column_count: true, skip_empty_lines: true });
    const [header, ...lines] = source;
    const col = (name: string) => header!.indexOf(name);
    const rows = await exported(store);
    let compared = 0;
    for (const line of lines) {
      const id = line[col('UsageId')]!;
      if (!id || !rows.has(id)) continue;
      const expected = { location: line[col('User Location')], context: line[col('Domestic/International')] };
      // The one row that said neither (ac-out-upn-only): its user's directory location (DE) and a German number.
      if (id === 'ac-out-upn-only') expect(expected).toEqual({ location: '', context: '' });
      expect([id, where(rows.get(id))]).toEqual([id, id === 'ac-out-upn-only' ? { location: 'DE', context: 'Domestic' } : expected]);
      compared += 1;
    }
    expect(compared).toBeGreaterThanOrEqual(9);
  });

  it('a leg first posted without them takes them from a later import that has them, and keeps them after', async () => {
    const posted = leg({ id: 'late', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 60 });
    await ingest([posted]);
    expect(where((await exported(store)).get('late'))).toEqual({ location: 'US', context: 'International' });
    const billed = { ...posted, charge: 0.05, usageCountryCode: 'GB', destinationContext: 'Domestic' };
    expect(await ingest([billed])).toMatchObject({ duplicates: 1, enriched: 1, accepted: 0 });
    expect(where((await exported(store)).get('late'))).toEqual({ location: 'GB', context: 'Domestic' });
    const stored = await store.db.selectFrom('legs').select(['ms_usage_location', 'ms_destination_context', 'ms_charge_micros']).where('id', '=', 'late').executeTakeFirstOrThrow();
    expect({ ...stored, ms_charge_micros: Number(stored.ms_charge_micros) }).toEqual({ ms_usage_location: 'GB', ms_destination_context: 'Domestic', ms_charge_micros: 50_000 });
  });

  it('a leg that had them is not emptied by a later import without them', async () => {
    const posted = { ...leg({ id: 'kept', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 60 }), usageCountryCode: 'GB', destinationContext: 'Domestic' };
    await ingest([posted]);
    const billed = { ...posted, charge: 0.05, usageCountryCode: null, destinationContext: null };
    expect(await ingest([billed])).toMatchObject({ duplicates: 1, enriched: 1 });
    expect(where((await exported(store)).get('kept'))).toEqual({ location: 'GB', context: 'Domestic' });
  });
});
