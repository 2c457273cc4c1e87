import { microsToDecimalString } from '../billing/money';
import { sql } from 'kysely';
import type { Store, Tx } from '../store/database';
import { findUsers, type UserRow } from '../store/user-store';
import { ADMIN_CENTER_COLUMNS } from '../usage/admin-center-row';
import { sqlitePagesInWorker, type JoinedPage, type PageStart } from './sqlite-pages';

/** Tollgate's own columns, written after the admin center's 20. */
export const TOLLGATE_COLUMNS = ['Paid By', 'Billed Minutes', 'Pool Minutes', 'Tollgate Charge', 'Flags'] as const;

/** The legs export: the admin center's PSTN usage layout, in its order (so admins can diff), then Tollgate's. */
export const LEGS_REPORT_COLUMNS: readonly string[] = [...ADMIN_CENTER_COLUMNS, ...TOLLGATE_COLUMNS];

/** Legs read per query: memory stays flat however many legs the range holds. */
export const LEGS_PAGE_SIZE = 1000;

export interface LegsRange {
  /** ISO instant, inclusive. */
  from: string;
  /** ISO instant, exclusive. */
  to: string;
}

/** A chunk of CSV text; the promise lets a file stream apply back-pressure. */
export type WriteChunk = (chunk: string) => void | Promise<void>;

const minutes = (seconds: number) => {
  const m = Number(seconds) / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(2);
};

const COUNTRY_CODE = /^[A-Z]{2}$/;

/** An ISO 3166 alpha-2 code, upper-cased; null for anything else (empty, a name, junk). */
function countryCode(value: string | null | undefined): string | null {
  const code = value?.trim().toUpperCase() ?? '';
  return COUNTRY_CODE.test(code) ? code : null;
}

/**
 * Microsoft's rule (DOMAIN.md): a call is domestic when the number is in the country of the user's usage location,
 * international otherwise. Null when either country is unknown: no guess.
 */
export function destinationContext(destinationCountry: string | null, usageLocation: string | null): 'Domestic' | 'International' | null {
  const to = countryCode(destinationCountry);
  const home = countryCode(usageLocation);
  if (to === null || home === null) return null;
  return to === home ? 'Domestic' : 'International';
}

/** A nullable text column's cell: '' for NULL, as the export writes it. */
const orEmpty = (column: string) => `COALESCE(${column}, '')`;
const asText = (column: string) => `CAST(${column} AS TEXT)`;

/**
 * What the export reads of a leg, in this order: one text cell per entry ('' for NULL), worked out by the database
 * (the same SQL on both engines) so that a row can come back as one string, the cells joined by a separator
 * (legPages). Number Type and Paid By, whose NULL means something, are decided here: Microsoft's inventory type,
 * else Toll or TollFree for a dial-in, else empty; how the leg was paid, else `ignored` for an ignored call type.
 */
const LEG_CELLS = [
  ['id', 'id'],
  ['call_id', orEmpty('call_id')],
  ['conference_id', orEmpty('conference_id')],
  ['ms_usage_location', orEmpty('ms_usage_location')],
  ['organizer_id', orEmpty('organizer_id')],
  ['organizer_upn', orEmpty('organizer_upn')],
  ['organizer_name', orEmpty('organizer_name')],
  ['caller_number', orEmpty('caller_number')],
  ['call_type', 'call_type'],
  ['number_type', "COALESCE(ms_inventory_type, CASE WHEN call_type = 'conf_in' THEN (CASE WHEN toll_free = 1 THEN 'TollFree' ELSE 'Toll' END) ELSE '' END)"],
  ['ms_destination_context', orEmpty('ms_destination_context')],
  ['destination_country', orEmpty('destination_country')],
  ['callee_number', orEmpty('callee_number')],
  ['start_at', 'start_at'],
  ['end_at', orEmpty('end_at')],
  ['duration_seconds', asText('duration_seconds')],
  ['ms_connection_charge_micros', orEmpty(asText('ms_connection_charge_micros'))],
  ['ms_charge_micros', orEmpty(asText('ms_charge_micros'))],
  ['ms_currency', orEmpty('ms_currency')],
  ['ms_license_capability', orEmpty('ms_license_capability')],
  ['paid_by', "COALESCE(paid_by, CASE WHEN status = 'ignored' THEN 'ignored' ELSE '' END)"],
  ['billed_seconds', asText('billed_seconds')],
  ['pool_seconds', asText('pool_seconds')],
  ['charge_micros', asText('charge_micros')],
  ['flags', 'flags'],
] as const satisfies readonly (readonly [string, string])[];

/** The names of a leg's cells, in LegCells order. */
export const EXPORT_LEG_CELLS = LEG_CELLS.map(([name]) => name);
/** One leg as read for the export: its cells, in EXPORT_LEG_CELLS order. */
export type LegCells = readonly string[];

const at = (name: (typeof LEG_CELLS)[number][0]) => LEG_CELLS.findIndex(([n]) => n === name);
const ID = at('id');
const CALL_ID = at('call_id');
const CONFERENCE_ID = at('conference_id');
const USAGE_LOCATION = at('ms_usage_location');
const ORGANIZER_ID = at('organizer_id');
const ORGANIZER_UPN = at('organizer_upn');
const ORGANIZER_NAME = at('organizer_name');
const CALLER_NUMBER = at('caller_number');
const CALL_TYPE = at('call_type');
const NUMBER_TYPE = at('number_type');
const DESTINATION_CONTEXT = at('ms_destination_context');
const DESTINATION_COUNTRY = at('destination_country');
const CALLEE_NUMBER = at('callee_number');
const START_AT = at('start_at');
const END_AT = at('end_at');
const DURATION_SECONDS = at('duration_seconds');
const MS_CONNECTION_CHARGE = at('ms_connection_charge_micros');
const MS_CHARGE = at('ms_charge_micros');
const MS_CURRENCY = at('ms_currency');
const MS_CAPABILITY = at('ms_license_capability');
const PAID_BY = at('paid_by');
const BILLED_SECONDS = at('billed_seconds');
const POOL_SECONDS = at('pool_seconds');
const CHARGE = at('charge_micros');
const FLAGS = at('flags');

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a CR or an LF, quotes doubled; as it is otherwise.
 * A lone CR or LF is quoted too (the export once wrote them bare, as csv-stringify does with CRLF records, which split
 * the row in Excel and csv-parse). Hand-written because csv-stringify took 6.2 s of CPU for the million legs of issue 5
 * and this 1.2 s; test/reports/csv-field.test.ts checks it against csv-stringify told to quote CR and LF.
 */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const moneyField = (micros: string) => (micros === '' ? '' : microsToDecimalString(Number(micros)));

/**
 * One leg as its CSV line (CRLF included), in LEGS_REPORT_COLUMNS order, `directoryLocation` being its user's usage
 * location in the directory. What Tollgate knows of each admin center column: User Location is what the imported row
 * said, else the directory's (empty when neither is known); Domestic/International is Microsoft's own label when the
 * row carried one, else worked out from the destination and that location (empty when either is unknown, e.g.
 * ignored call types, which are not rated and so have no destination). Microsoft's money columns are its billed
 * figures once a leg carries them (empty before). Numbers and money need no quotes; text is quoted where needed.
 */
export function legCsvLine(l: LegCells, directoryLocation: string | null): string {
  const location = l[USAGE_LOCATION]!.trim() || directoryLocation?.trim() || '';
  return (
    csvField(l[ID]!) +
    ',' + csvField(l[CALL_ID]!) +
    ',' + csvField(l[CONFERENCE_ID]!) +
    ',' + csvField(location) +
    ',' + csvField(l[ORGANIZER_ID]!) +
    ',' + csvField(l[ORGANIZER_UPN]!) +
    ',' + csvField(l[ORGANIZER_NAME]!) +
    ',' + csvField(l[CALLER_NUMBER]!) +
    ',' + csvField(l[CALL_TYPE]!) +
    ',' + csvField(l[NUMBER_TYPE]!) +
    ',' + csvField(l[DESTINATION_CONTEXT]!.trim() || (destinationContext(l[DESTINATION_COUNTRY]!, location) ?? '')) +
    ',' + csvField(l[DESTINATION_COUNTRY]!) +
    ',' + csvField(l[CALLEE_NUMBER]!) +
    ',' + csvField(l[START_AT]!) +
    ',' + csvField(l[END_AT]!) +
    ',' + String(Number(l[DURATION_SECONDS])) +
    ',' + moneyField(l[MS_CONNECTION_CHARGE]!) +
    ',' + moneyField(l[MS_CHARGE]!) +
    ',' + csvField(l[MS_CURRENCY]!) +
    ',' + csvField(l[MS_CAPABILITY]!) +
    ',' + csvField(l[PAID_BY]!) +
    ',' + minutes(Number(l[BILLED_SECONDS])) +
    ',' + minutes(Number(l[POOL_SECONDS])) +
    ',' + microsToDecimalString(Number(l[CHARGE])) +
    ',' + csvField(l[FLAGS]!) +
    '\r\n'
  );
}

/** Where to read the legs from: a Store (its SQLite statements when it has them). */
export type LegsSource = Pick<Store, 'engine' | 'db' | 'sqlite'>;

/**
 * Joins a row's cells in the database: one string per row instead of a value per column is half the cost of reading
 * a row on either engine (for a million legs on SQLite, about 2 s of CPU against 5), and a page's rows are joined
 * again by the same separator, so a page is split once. The unit separator (U+001F) cannot be told from a cell
 * holding one, so a page that splits into more cells than its rows have is read again cell by cell.
 */
const SEPARATOR = '\x1f';
const cellsJoined = (engine: LegsSource['engine']) => `concat_ws(${engine === 'sqlite' ? 'char(31)' : 'chr(31)'}, ${LEG_CELLS.map(([, e]) => e).join(', ')}), start_at, id`;
const cellsApart = LEG_CELLS.map(([, e], i) => `${e} AS c${i}`).join(', ');

const PAGE_WHERE = 'FROM legs WHERE tenant_id = ? AND start_at >= ? AND start_at < ?';
const AFTER = 'AND (start_at > ? OR id > ?)';
/** A page read again apart ends where it ended when it was read joined: at its last leg. */
const UP_TO = 'AND start_at <= ? AND (start_at < ? OR id <= ?)';
const PAGE_ORDER = 'ORDER BY start_at, id LIMIT ?';

const pageText = (select: string, after: boolean, upTo = false) => `SELECT ${select} ${PAGE_WHERE} ${after ? AFTER : ''} ${upTo ? UP_TO : ''} ${PAGE_ORDER}`;

/**
 * The tenant's legs starting in the range, page by page, in (start_at, id) order: keyset paging, no OFFSET. Each
 * page's lower bound on start_at is its own: with the range's start beside it (or only the OR), SQLite seeks the
 * (tenant_id, start_at) index to the range's start and filters its way to the page, every page (a million legs took
 * minutes). The pages are one snapshot of the database: a SQLite file's are read by a worker thread in one read
 * transaction (sqlite-pages.ts), PostgreSQL's in one read-only REPEATABLE READ transaction on a connection of the pool
 * held for the export (a leg stored meanwhile is in the next export, not in a page this one had not read yet). In
 * memory, on SQLite, a page is one cached statement (no Kysely), run on Kysely's connection so never inside another
 * caller's open transaction.
 */
export async function* legPages(source: LegsSource, tenantId: string, range: LegsRange, pageSize = LEGS_PAGE_SIZE): AsyncGenerator<LegCells[]> {
  const file = source.sqlite?.file;
  if (file) {
    const pages = sqlitePagesInWorker({ file, first: pageText(cellsJoined('sqlite'), false), next: pageText(cellsJoined('sqlite'), true), params: { tenantId, ...range }, pageSize });
    yield* splitPages(source, pages, tenantId, range, pageSize);
    return;
  }
  if (source.engine !== 'postgres') {
    yield* splitPages(source, joinedPages(source, tenantId, range, pageSize), tenantId, range, pageSize);
    return;
  }
  const snapshot = await source.db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
  let read = false;
  try {
    const inSnapshot: LegsSource = { engine: source.engine, db: snapshot, sqlite: undefined };
    yield* splitPages(inSnapshot, joinedPages(inSnapshot, tenantId, range, pageSize), tenantId, range, pageSize);
    read = true;
  } finally {
    // Read-only: ending it either way changes nothing; an export stopped early or failed gives its connection back too.
    if (read) await snapshot.commit().execute();
    else await snapshot.rollback().execute().catch(() => undefined);
  }
}

/** Each joined page split into its legs' cells; a page that splits wrong is read again apart, from `source`. */
async function* splitPages(source: LegsSource, pages: AsyncIterable<JoinedPage>, tenantId: string, range: LegsRange, pageSize: number): AsyncGenerator<LegCells[]> {
  const width = LEG_CELLS.length;
  for await (const page of pages) {
    const cells = page.text.split(SEPARATOR);
    if (cells.length !== page.rows * width) {
      yield (await readRows(source, pageText(cellsApart, page.after !== undefined, true), `apart.${page.after ? 'next' : 'first'}`, pageValues(tenantId, range, page.after, pageSize, page.last))) as LegCells[];
      continue;
    }
    const legs = new Array<LegCells>(page.rows);
    for (let i = 0; i < page.rows; i++) legs[i] = cells.slice(i * width, (i + 1) * width);
    yield legs;
  }
}

/** The pages read on the source's own connection. */
async function* joinedPages(source: LegsSource, tenantId: string, range: LegsRange, pageSize: number): AsyncGenerator<JoinedPage> {
  let after: PageStart;
  for (;;) {
    const rows = await readRows(source, pageText(cellsJoined(source.engine), after !== undefined), `joined.${after ? 'next' : 'first'}`, pageValues(tenantId, range, after, pageSize));
    if (rows.length > 0) {
      const lastRow = rows[rows.length - 1]!;
      const last = { start: lastRow[1] as string, id: lastRow[2] as string };
      yield { text: rows.map((r) => r[0] as string).join(SEPARATOR), rows: rows.length, after, last };
      after = last;
    }
    if (rows.length < pageSize) return;
  }
}

/** A page statement's parameters, in pageText's order. */
function pageValues(tenantId: string, range: LegsRange, after: PageStart, pageSize: number, upTo?: { start: string; id: string }): unknown[] {
  return [tenantId, after ? after.start : range.from, range.to, ...(after ? [after.start, after.id] : []), ...(upTo ? [upTo.start, upTo.start, upTo.id] : []), pageSize];
}

/** One page of rows, each the values of its statement's select list in order. */
async function readRows(source: LegsSource, text: string, key: string, values: unknown[]): Promise<unknown[][]> {
  const { sqlite, db } = source;
  if (sqlite) {
    const statement = sqlite.statement(`legsExport.${key}`, () => text);
    return db.connection().execute(async () => statement.raw(true).all(...values) as unknown[][]);
  }
  const parts = text.split('?');
  const query = sql.join(parts.map((part, i) => (i === 0 ? sql.raw(part) : sql`${values[i - 1]}${sql.raw(part)}`)), sql``);
  const { rows } = await query.execute(db);
  return (rows as Record<string, unknown>[]).map((r) => Object.values(r));
}

/**
 * Writes the header, then every leg of the range as RFC 4180 CSV (CRLF, quoted where needed), one write per page;
 * returns the legs written.
 */
export async function writeLegsCsv(source: LegsSource, tenantId: string, range: LegsRange, write: WriteChunk, pageSize = LEGS_PAGE_SIZE): Promise<number> {
  await write(`${LEGS_REPORT_COLUMNS.map(csvField).join(',')}\r\n`);
  const directory = new DirectoryLocations(source.db, tenantId);
  let count = 0;
  for await (const page of legPages(source, tenantId, range, pageSize)) {
    const locations = await directory.forPage(page);
    let chunk = '';
    for (const l of page) chunk += legCsvLine(l, locations.size === 0 ? null : locationOf(l, locations));
    await write(chunk);
    count += page.length;
  }
  return count;
}

/**
 * The directory's usage locations of the users of a page's legs that did not bring their own, by AAD object id and
 * by lower-case UPN (a leg names its user by id, or by UPN alone when Graph gave no id). Each page gets the users its
 * own keys find, as one query per page did, but a key is asked once per export: a month's pages name the same few
 * thousand users over and over.
 */
class DirectoryLocations {
  /** The users (with a usage location) each key asked so far finds, as findUsers finds them. */
  private readonly found = new Map<string, UserRow[]>();

  constructor(
    private readonly db: Tx,
    private readonly tenantId: string,
  ) {}

  async forPage(page: readonly LegCells[]): Promise<Map<string, string>> {
    const keys = new Set<string>();
    for (const l of page) {
      if (l[USAGE_LOCATION]!.trim()) continue;
      if (l[ORGANIZER_ID]) keys.add(l[ORGANIZER_ID]);
      if (l[ORGANIZER_UPN]) keys.add(l[ORGANIZER_UPN]);
    }
    const locations = new Map<string, string>();
    if (keys.size === 0) return locations;
    const unasked = [...keys].filter((k) => !this.found.has(k));
    if (unasked.length > 0) await this.ask(unasked);
    for (const key of keys) {
      for (const u of this.found.get(key)!) {
        locations.set(u.aad_object_id, u.usage_location!);
        if (u.upn_lower) locations.set(u.upn_lower, u.usage_location!);
      }
    }
    return locations;
  }

  /** findUsers matches a key by AAD id, or by UPN in any case. */
  private async ask(keys: string[]): Promise<void> {
    const asked = new Set(keys);
    const byLower = new Map<string, string[]>();
    for (const k of keys) {
      this.found.set(k, []);
      const lower = k.toLowerCase();
      byLower.set(lower, [...(byLower.get(lower) ?? []), k]);
    }
    for (const u of await findUsers(this.db, this.tenantId, keys)) {
      if (!u.usage_location) continue;
      const matching = new Set<string>(u.upn_lower ? byLower.get(u.upn_lower) : []);
      if (asked.has(u.aad_object_id)) matching.add(u.aad_object_id);
      for (const k of matching) this.found.get(k)!.push(u);
    }
  }
}

function locationOf(l: LegCells, locations: ReadonlyMap<string, string>): string | null {
  const organizerId = l[ORGANIZER_ID];
  const organizerUpn = l[ORGANIZER_UPN];
  return (
    (organizerId ? locations.get(organizerId) ?? locations.get(organizerId.toLowerCase()) : undefined) ??
    (organizerUpn ? locations.get(organizerUpn.toLowerCase()) : undefined) ??
    null
  );
}
