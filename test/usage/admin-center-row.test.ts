import fc from 'fast-check';
import { Readable } from 'node:stream';
import { parseCallRecord, type CallRecord } from '../../src/usage/call-record';
import { readCsvRows } from '../../src/usage/admin-center-csv';
import {
  ADMIN_CENTER_COLUMNS,
  checkHeader,
  graphCallType,
  graphInventoryType,
  graphRowOf,
  inExportTerms,
  type AdminCenterColumn,
} from '../../src/usage/admin-center-row';
import { AWKWARD_CSV, GRAPH_TWINS, HEADER, csvField, csvRow, read } from '../fixtures/admin-center/export-fixtures';

const STANDARD = ADMIN_CENTER_COLUMNS.map((_, i) => i);

/** The Graph row of one CSV data line in the standard column order. */
async function rowsOf(text: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const rows of readCsvRows(Readable.from([text]), 100)) {
    for (const r of rows) {
      if ('error' in r) throw new Error(`line ${r.line}: ${r.error}`);
      out.push(r.fields);
    }
  }
  return out;
}

function recordOf(input: unknown): CallRecord {
  const parsed = parseCallRecord(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

describe('the export header', () => {
  it('takes the 20 columns in the order the admin center writes them', () => {
    expect(checkHeader(HEADER.split(','))).toEqual({ ok: true, positions: STANDARD });
  });

  it('takes them in any order and any case or spacing', () => {
    const shuffled = [...ADMIN_CENTER_COLUMNS].reverse().map((c, i) => (i % 2 ? c.toUpperCase() : ` ${c.replace(' ', '  ')} `));
    const checked = checkHeader(shuffled);
    expect(checked).toEqual({ ok: true, positions: STANDARD.map((i) => 19 - i) });
    expect(checkHeader(['\uFEFFUsageId', ...ADMIN_CENTER_COLUMNS.slice(1)])).toMatchObject({ ok: true });
    expect(checkHeader([...ADMIN_CENTER_COLUMNS.slice(0, 4), 'AAD Object Id', ...ADMIN_CENTER_COLUMNS.slice(5)])).toMatchObject({ ok: true });
  });

  it('names what is missing, unexpected or repeated', () => {
    const header = HEADER.replace('Charge,', 'Cost,').split(',').concat('UPN');
    const checked = checkHeader(header);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.message).toMatch(/^the header is not the 20 columns of the admin center's PSTN usage export \(missing "Charge"; unexpected "Cost"; repeated "UPN"\); expected: UsageId,Call ID,/);
    expect(checkHeader(HEADER.split(',').slice(0, 19))).toMatchObject({ ok: false, message: expect.stringContaining('missing "Capability"') });
  });

  it('says so when the first line is not that header at all', () => {
    expect(checkHeader(['id', 'callType', 'duration'])).toMatchObject({ ok: false, message: expect.stringMatching(/^this is not the header of the admin center's PSTN usage export; expected: /) });
  });
});

describe('Call Type', () => {
  it.each([
    ['conf_in', 'conf_in'],
    ['conf_out', 'conf_out'],
    ['CONF_IN', 'conf_in'],
    ['Conf In', 'conf_in'],
    ['Conference in', 'conf_in'],
    ['Conference dial-in', 'conf_in'],
    ['Dial-in conference', 'conf_in'],
    ['Audio conferencing dial in', 'conf_in'],
    ['Conference (inbound)', 'conf_in'],
    ['Meeting dial-in', 'conf_in'],
    ['Conference out', 'conf_out'],
    ['Conference dial-out', 'conf_out'],
    ['Dial-out conference', 'conf_out'],
    ['Audio conferencing dialout', 'conf_out'],
    ['conference-outbound call', 'conf_out'],
  ])('%j is %s', (spelled, graph) => {
    expect(graphCallType(spelled)).toBe(graph);
  });

  it.each([
    // Not the bridge: a user's call, a bot's, an emergency call. Kept (snake_cased like Graph's) and stored as ignored.
    ['user_out_conf', 'user_out_conf'],
    ['user_in', 'user_in'],
    ['User out', 'User_out'],
    ['ucap_in', 'ucap_in'],
    ['Emergency call', 'Emergency_call'],
    ['Conference', 'Conference'],
    ['conf in out', 'conf_in_out'],
    ['conf_in_transfer', 'conf_in_transfer'],
    ['', ''],
  ])('%j is not a meeting leg: %j', (spelled, graph) => {
    expect(graphCallType(spelled)).toBe(graph);
  });
});

describe('Number Type', () => {
  it.each(['TollFree', 'Toll free', 'toll-free', 'TOLL_FREE', 'Toll Free Number', 'Service toll-free', 'Freephone'])('%j is toll-free', (spelled) => {
    expect(graphInventoryType(spelled)).toBe('TollFree');
    expect(recordOf({ ...GRAPH_TWINS[0], inventoryType: graphInventoryType(spelled) }).tollFree).toBe(true);
  });

  it.each(['Toll', 'TOLL', 'toll number', 'Service Toll'])('%j is toll', (spelled) => {
    expect(graphInventoryType(spelled)).toBe('Toll');
  });

  it('keeps any other value as written, and an empty one as none', () => {
    expect(graphInventoryType('Geographic')).toBe('Geographic');
    expect(recordOf({ ...GRAPH_TWINS[0], inventoryType: graphInventoryType('Geographic') })).toMatchObject({ tollFree: false, msInventoryType: 'Geographic' });
    expect(graphInventoryType('  ')).toBeNull();
  });
});

describe('a CSV row as a Graph row', () => {
  it('maps every column onto its Graph field', async () => {
    const [fields] = await rowsOf(
      csvRow({
        UsageId: 'u-1',
        'Call ID': 'c-1',
        'Conference ID': 'm-1',
        'User Location': 'DE',
        'AAD ObjectId': 'u-ppm',
        UPN: 'ppm@contoso.example',
        'User Display Name': 'Doe, Jane',
        'Caller ID': '+12065550100',
        'Call Type': 'Conference dial-out',
        'Number Type': 'Toll',
        'Domestic/International': 'International',
        'Destination Dialed': 'Korea, Republic of',
        'Destination Number': '+82212345678',
        'Start Time': '2026-11-10 09:00:00',
        'End Time': '2026-11-10T09:01:30.5+01:00',
        'Duration Seconds': '90',
        'Connection Fee': '0.10',
        Charge: '1.25',
        Currency: 'EUR',
        Capability: 'FREECALL',
      }),
    );
    expect(graphRowOf(fields!, STANDARD)).toEqual({
      ok: true,
      row: {
        id: 'u-1',
        callId: 'c-1',
        conferenceId: 'm-1',
        usageCountryCode: 'DE',
        userId: 'u-ppm',
        userPrincipalName: 'ppm@contoso.example',
        userDisplayName: 'Doe, Jane',
        callerNumber: '+12065550100',
        callType: 'conf_out',
        inventoryType: 'Toll',
        destinationContext: 'International',
        destinationName: 'Korea, Republic of',
        calleeNumber: '+82212345678',
        startDateTime: '2026-11-10T09:00:00Z',
        endDateTime: '2026-11-10T09:01:30.5+01:00',
        duration: 90,
        connectionCharge: '0.10',
        charge: '1.25',
        currency: 'EUR',
        licenseCapability: 'FREECALL',
      },
    });
  });

  it('reads a column wherever the header put it', () => {
    const reversed = [...STANDARD].reverse();
    const fields = ADMIN_CENTER_COLUMNS.map((c) => (c === 'UsageId' ? 'x-1' : c === 'Call Type' ? 'conf_in' : '')).reverse();
    expect(graphRowOf(fields, reversed)).toMatchObject({ ok: true, row: { id: 'x-1', callType: 'conf_in', duration: null, charge: null } });
  });

  it('leaves missing optional fields out, as Graph does with null', async () => {
    const [fields] = await rowsOf(csvRow({ UsageId: 'u-2', 'Call Type': 'conf_out', UPN: 'ppm@contoso.example', 'Destination Number': '+4930123456', 'Start Time': '2026-11-10T09:00:00Z', 'Duration Seconds': '0' }));
    const mapped = graphRowOf(fields!, STANDARD);
    expect(mapped).toMatchObject({ ok: true, row: { callId: null, conferenceId: null, userId: null, endDateTime: null, charge: null, connectionCharge: null, currency: null, licenseCapability: null, inventoryType: null, duration: 0 } });
    expect(recordOf(mapped.ok && mapped.row)).toMatchObject({ organizerId: 'ppm@contoso.example', durationSeconds: 0, tollFree: false, endAt: null });
  });

  it.each<[Partial<Record<AdminCenterColumn, string>>, RegExp]>([
    [{ 'Duration Seconds': 'ten' }, /^Duration Seconds: must be a number of seconds, not "ten"$/],
    [{ 'Duration Seconds': '1:30' }, /^Duration Seconds: /],
    [{ 'Connection Fee': '0,10' }, /^Connection Fee: must be a plain decimal like 0.10, not "0,10"$/],
    [{ Charge: '$1.25' }, /^Charge: must be a plain decimal like 1.25, not "\$1.25"$/],
    [{ Charge: '0x1f' }, /^Charge: /],
  ])('refuses %j in the words of the export', (override, message) => {
    const fields = ADMIN_CENTER_COLUMNS.map((c) => override[c] ?? (c === 'UsageId' ? 'u-3' : ''));
    expect(graphRowOf(fields, STANDARD)).toEqual({ ok: false, id: 'u-3', message: expect.stringMatching(message) });
  });

  it('passes whole-number text like "120.0" as 120 and leaves fractions for parseCallRecord to refuse', () => {
    const fields = (d: string) => ADMIN_CENTER_COLUMNS.map((c) => (c === 'Duration Seconds' ? d : c === 'UsageId' ? 'u-4' : ''));
    expect(graphRowOf(fields('120.0'), STANDARD)).toMatchObject({ ok: true, row: { duration: 120 } });
    expect(graphRowOf(fields('1.5'), STANDARD)).toMatchObject({ ok: true, row: { duration: 1.5 } });
  });

  it('renames the Graph fields of parseCallRecord messages to the columns', () => {
    expect(inExportTerms('calleeNumber: required for conf_in and conf_out')).toBe('Destination Number: required for conf_in and conf_out');
    expect(inExportTerms('id: id is required')).toBe('UsageId: id is required');
    expect(inExportTerms('userId or userPrincipalName (the organizer) is required')).toBe('AAD ObjectId or UPN (the organizer) is required');
    expect(inExportTerms('startDateTime: must be an ISO 8601 date-time')).toBe('Start Time: must be an ISO 8601 date-time');
    expect(inExportTerms('calleeNumber: "+1 charge" is not valid')).toBe('Destination Number: "+1 charge" is not valid');
    expect(inExportTerms('a call record must be a JSON object')).toBe('a call record must be a JSON object');
  });
});

describe('the same call from Graph and from the admin center', () => {
  it('has the same identity and content hash: the fixture twins', async () => {
    const [header, ...rows] = await rowsOf(read(AWKWARD_CSV));
    const checked = checkHeader(header!);
    if (!checked.ok) throw new Error(checked.message);
    const byId = new Map(rows.map((fields) => [fields[0], fields]));
    for (const twin of GRAPH_TWINS) {
      const mapped = graphRowOf(byId.get(twin.id as string)!, checked.positions);
      if (!mapped.ok) throw new Error(mapped.message);
      const fromCsv = recordOf(mapped.row);
      const fromGraph = recordOf(twin);
      // Every field, not only the hash: the leg stored is the same whichever way it came.
      expect(fromCsv).toEqual(fromGraph);
    }
  });

  it('has the same content hash for any row, however the export spells it (property)', async () => {
    const text = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r\n', 'é', '1', '-') });
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
    const money = fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 10_000);
    const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(Math.floor(ms / 1000) * 1000));
    const graphRow = fc.record({
      id: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
      callId: maybe(text),
      conferenceId: maybe(text),
      userId: maybe(text),
      userPrincipalName: maybe(text),
      userDisplayName: maybe(text),
      callerNumber: maybe(fc.constantFrom('+12065550100', '+4930123456')),
      calleeNumber: maybe(fc.constantFrom('+18005550199', '+4930123456', '+97142345678')),
      callType: fc.constantFrom('conf_in', 'conf_out', 'user_out', 'user_out_conf', 'ucap_in'),
      inventoryType: fc.constantFrom(null, 'Toll', 'TollFree'),
      start: instant,
      seconds: fc.integer({ min: 0, max: 7 * 24 * 3600 }),
      hasEnd: fc.boolean(),
      charge: maybe(money),
      connectionCharge: maybe(money),
      currency: maybe(fc.constantFrom('USD', 'EUR')),
      licenseCapability: maybe(fc.constantFrom('MCOMEETADV', 'MCOMEETACPEA', 'MCOPSTNPP', 'FREECALL')),
    });
    const spelling = fc.record({
      callType: fc.constantFrom('as-is', 'words', 'phrase'),
      inventoryType: fc.constantFrom('Toll free', 'TOLL-FREE', 'Freephone', 'TollFree'),
      dates: fc.constantFrom('iso', 'space', 'millis'),
      currencyCase: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(graphRow, spelling, async (g, s) => {
        const end = new Date(g.start.getTime() + g.seconds * 1000);
        const graph = {
          ...g,
          startDateTime: g.start.toISOString().replace('.000Z', 'Z'),
          endDateTime: g.hasEnd ? end.toISOString() : null,
          duration: g.seconds,
        };
        const date = (d: Date) => (s.dates === 'iso' ? d.toISOString().replace('.000Z', 'Z') : s.dates === 'millis' ? d.toISOString() : d.toISOString().slice(0, 19).replace('T', ' '));
        const callType =
          s.callType === 'as-is' || !g.callType.startsWith('conf_')
            ? g.callType
            : s.callType === 'words'
              ? g.callType === 'conf_in' ? 'Conference in' : 'Conference out'
              : g.callType === 'conf_in' ? 'Dial-in conference' : 'Audio conferencing dial-out';
        const csv = csvRow({
          UsageId: g.id,
          'Call ID': g.callId ?? '',
          'Conference ID': g.conferenceId ?? '',
          'AAD ObjectId': g.userId ?? '',
          UPN: g.userPrincipalName ?? '',
          'User Display Name': g.userDisplayName ?? '',
          'Caller ID': g.callerNumber ?? '',
          'Destination Number': g.calleeNumber ?? '',
          'Call Type': callType,
          'Number Type': g.inventoryType === 'TollFree' ? s.inventoryType : g.inventoryType ?? '',
          'Start Time': date(g.start),
          'End Time': g.hasEnd ? date(end) : '',
          'Duration Seconds': String(g.seconds),
          'Connection Fee': g.connectionCharge === null ? '' : String(g.connectionCharge),
          Charge: g.charge === null ? '' : String(g.charge),
          Currency: g.currency === null ? '' : s.currencyCase ? g.currency.toLowerCase() : g.currency,
          Capability: g.licenseCapability ?? '',
        });
        const [fields] = await rowsOf(`${HEADER}\r\n${csv}\r\n`).then((rows) => rows.slice(1));
        const mapped = graphRowOf(fields!, STANDARD);
        expect(mapped.ok).toBe(true);
        const fromGraph = parseCallRecord(graph);
        const fromCsv = parseCallRecord(mapped.ok && mapped.row);
        expect(fromCsv.ok).toBe(fromGraph.ok);
        if (fromGraph.ok && fromCsv.ok) expect(fromCsv.record.contentHash).toBe(fromGraph.record.contentHash);
        else if (!fromGraph.ok && !fromCsv.ok) expect(inExportTerms(fromCsv.message)).toBe(inExportTerms(fromGraph.message));
      }),
      { numRuns: 300, seed: 4180 },
    );
  });

  it('writes fields the way the export quotes them', () => {
    expect(csvField('Doe, Jane')).toBe('"Doe, Jane"');
    expect(csvField('a "b"')).toBe('"a ""b"""');
  });
});
