import { stringify } from 'csv-stringify/sync';
import { microsToDecimalString } from '../billing/money';
import type { Tx } from '../store/database';
import type { LegRow } from '../store/leg-store';
import { findUsers } from '../store/user-store';
import { ADMIN_CENTER_COLUMNS, type AdminCenterColumn } from '../usage/admin-center-row';

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

const money = (micros: number | null) => (micros === null ? '' : microsToDecimalString(Number(micros)));
const minutes = (seconds: number) => {
  const m = Number(seconds) / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(2);
};
const text = (value: string | number | null) => (value === null ? '' : String(value));

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

/** What the export knows of a leg besides its row: the usage location its user has in Tollgate's directory now. */
export interface LegFacts {
  directoryLocation: string | null;
}

/** The leg's user location: what the imported row said at the time of the call, else the directory's. */
export function userLocation(l: LegRow, facts: LegFacts): string | null {
  return l.ms_usage_location?.trim() || facts.directoryLocation?.trim() || null;
}

/**
 * What Tollgate knows of each admin center column. User Location is what the imported row said, else the leg's user's
 * usage location in the directory (empty when neither is known); Domestic/International is Microsoft's own label when
 * the row carried one, else worked out from the destination and that location (empty when either is unknown, e.g.
 * ignored call types, which are not rated and so have no destination). Microsoft's money columns are its billed
 * figures once a leg carries them (empty before).
 */
const CELL: Readonly<Record<AdminCenterColumn, (l: LegRow, facts: LegFacts) => string>> = {
  UsageId: (l) => l.id,
  'Call ID': (l) => text(l.call_id),
  'Conference ID': (l) => text(l.conference_id),
  'User Location': (l, facts) => text(userLocation(l, facts)),
  'AAD ObjectId': (l) => text(l.organizer_id),
  UPN: (l) => text(l.organizer_upn),
  'User Display Name': (l) => text(l.organizer_name),
  'Caller ID': (l) => text(l.caller_number),
  'Call Type': (l) => l.call_type,
  'Number Type': (l) => l.ms_inventory_type ?? (l.call_type === 'conf_in' ? (Number(l.toll_free) === 1 ? 'TollFree' : 'Toll') : ''),
  'Domestic/International': (l, facts) => text(l.ms_destination_context?.trim() || destinationContext(l.destination_country, userLocation(l, facts))),
  'Destination Dialed': (l) => text(l.destination_country),
  'Destination Number': (l) => text(l.callee_number),
  'Start Time': (l) => l.start_at,
  'End Time': (l) => text(l.end_at),
  'Duration Seconds': (l) => String(Number(l.duration_seconds)),
  'Connection Fee': (l) => money(l.ms_connection_charge_micros),
  Charge: (l) => money(l.ms_charge_micros),
  Currency: (l) => text(l.ms_currency),
  Capability: (l) => text(l.ms_license_capability),
};

/** One leg as the export's cells, in LEGS_REPORT_COLUMNS order. */
export function legReportRow(l: LegRow, facts: LegFacts = { directoryLocation: null }): string[] {
  return [
    ...ADMIN_CENTER_COLUMNS.map((c) => CELL[c](l, facts)),
    text(l.paid_by ?? (l.status === 'ignored' ? 'ignored' : null)),
    minutes(l.billed_seconds),
    minutes(l.pool_seconds),
    microsToDecimalString(Number(l.charge_micros)),
    l.flags,
  ];
}

/** The tenant's legs starting in the range, page by page, in (start_at, id) order: keyset paging, no OFFSET. */
export async function* legPages(db: Tx, tenantId: string, range: LegsRange, pageSize = LEGS_PAGE_SIZE): AsyncGenerator<LegRow[]> {
  let after: { start: string; id: string } | undefined;
  for (;;) {
    // One lower bound on start_at, the page's own: with the range's start beside it (or only the OR), SQLite seeks
    // the (tenant_id, start_at) index to the range's start and filters its way to the page, every page (a million
    // legs took minutes).
    let q = db
      .selectFrom('legs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('start_at', '>=', after ? after.start : range.from)
      .where('start_at', '<', range.to);
    if (after) {
      const { start, id } = after;
      q = q.where((eb) => eb.or([eb('start_at', '>', start), eb('id', '>', id)]));
    }
    const page = await q.orderBy('start_at').orderBy('id').limit(pageSize).execute();
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { start: last.start_at, id: last.id };
  }
}

/** Writes the header, then every leg of the range as RFC 4180 CSV (CRLF, quoted where needed); returns the legs written. */
export async function writeLegsCsv(db: Tx, tenantId: string, range: LegsRange, write: WriteChunk, pageSize = LEGS_PAGE_SIZE): Promise<number> {
  await write(stringify([LEGS_REPORT_COLUMNS as string[]], { record_delimiter: 'windows' }));
  let count = 0;
  for await (const page of legPages(db, tenantId, range, pageSize)) {
    const locations = await directoryLocations(db, tenantId, page);
    const rows = page.map((l) => legReportRow(l, { directoryLocation: locationOf(l, locations) }));
    await write(stringify(rows, { record_delimiter: 'windows' }));
    count += page.length;
  }
  return count;
}

/**
 * The directory's usage locations of the users of a page's legs that did not bring their own, by AAD object id and
 * by lower-case UPN (a leg names its user by id, or by UPN alone when Graph gave no id). One query per page.
 */
async function directoryLocations(db: Tx, tenantId: string, page: LegRow[]): Promise<Map<string, string>> {
  const keys = new Set<string>();
  for (const l of page) {
    if (l.ms_usage_location?.trim()) continue;
    if (l.organizer_id) keys.add(l.organizer_id);
    if (l.organizer_upn) keys.add(l.organizer_upn);
  }
  const found = new Map<string, string>();
  if (keys.size === 0) return found;
  for (const u of await findUsers(db, tenantId, [...keys])) {
    if (!u.usage_location) continue;
    found.set(u.aad_object_id, u.usage_location);
    if (u.upn_lower) found.set(u.upn_lower, u.usage_location);
  }
  return found;
}

function locationOf(l: LegRow, locations: ReadonlyMap<string, string>): string | null {
  return (
    (l.organizer_id ? locations.get(l.organizer_id) ?? locations.get(l.organizer_id.toLowerCase()) : undefined) ??
    (l.organizer_upn ? locations.get(l.organizer_upn.toLowerCase()) : undefined) ??
    null
  );
}
