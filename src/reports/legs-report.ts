import { stringify } from 'csv-stringify/sync';
import { microsToDecimalString } from '../billing/money';
import type { Tx } from '../store/database';
import type { LegRow } from '../store/leg-store';
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

/**
 * What Tollgate knows of each admin center column. Tollgate does not keep the organizer's usage location nor
 * Microsoft's domestic/international label, so those cells are empty; Microsoft's money columns are its billed
 * figures once a leg carries them (empty before).
 */
const CELL: Readonly<Record<AdminCenterColumn, (l: LegRow) => string>> = {
  UsageId: (l) => l.id,
  'Call ID': (l) => text(l.call_id),
  'Conference ID': (l) => text(l.conference_id),
  'User Location': () => '',
  'AAD ObjectId': (l) => text(l.organizer_id),
  UPN: (l) => text(l.organizer_upn),
  'User Display Name': (l) => text(l.organizer_name),
  'Caller ID': (l) => text(l.caller_number),
  'Call Type': (l) => l.call_type,
  'Number Type': (l) => l.ms_inventory_type ?? (l.call_type === 'conf_in' ? (Number(l.toll_free) === 1 ? 'TollFree' : 'Toll') : ''),
  'Domestic/International': () => '',
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
export function legReportRow(l: LegRow): string[] {
  return [
    ...ADMIN_CENTER_COLUMNS.map((c) => CELL[c](l)),
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
    let q = db
      .selectFrom('legs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('start_at', '>=', range.from)
      .where('start_at', '<', range.to);
    if (after) {
      const { start, id } = after;
      q = q.where((eb) => eb.or([eb('start_at', '>', start), eb.and([eb('start_at', '=', start), eb('id', '>', id)])]));
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
    await write(stringify(page.map(legReportRow), { record_delimiter: 'windows' }));
    count += page.length;
  }
  return count;
}
