/**
 * One row of the Teams admin center's PSTN usage export (`PSTN.calls.<date>.csv`, DOMAIN.md), turned into the Graph
 * pstnCallLogRow shape that parseCallRecord takes. Every leg goes through that one parser whichever way it came, so
 * a call exported by both Graph and the admin center has the same identity (its `id`, the export's UsageId) and the
 * same content hash, and is charged once.
 */

/** The export's 20 columns, in the order the admin center writes them. */
export const ADMIN_CENTER_COLUMNS = [
  'UsageId',
  'Call ID',
  'Conference ID',
  'User Location',
  'AAD ObjectId',
  'UPN',
  'User Display Name',
  'Caller ID',
  'Call Type',
  'Number Type',
  'Domestic/International',
  'Destination Dialed',
  'Destination Number',
  'Start Time',
  'End Time',
  'Duration Seconds',
  'Connection Fee',
  'Charge',
  'Currency',
  'Capability',
] as const;

export type AdminCenterColumn = (typeof ADMIN_CENTER_COLUMNS)[number];

/** The Graph pstnCallLogRow field each column is. */
export const GRAPH_FIELD_OF: Readonly<Record<AdminCenterColumn, string>> = {
  UsageId: 'id',
  'Call ID': 'callId',
  'Conference ID': 'conferenceId',
  'User Location': 'usageCountryCode',
  'AAD ObjectId': 'userId',
  UPN: 'userPrincipalName',
  'User Display Name': 'userDisplayName',
  'Caller ID': 'callerNumber',
  'Call Type': 'callType',
  'Number Type': 'inventoryType',
  'Domestic/International': 'destinationContext',
  'Destination Dialed': 'destinationName',
  'Destination Number': 'calleeNumber',
  'Start Time': 'startDateTime',
  'End Time': 'endDateTime',
  'Duration Seconds': 'duration',
  'Connection Fee': 'connectionCharge',
  Charge: 'charge',
  Currency: 'currency',
  Capability: 'licenseCapability',
};

/** Header names compare without case and spaces: "AAD Object Id" and "aad objectid" are the same column. */
const headerKey = (name: string) => name.replace(/^\uFEFF/, '').replace(/\s+/g, '').toLowerCase();
const COLUMN_BY_KEY = new Map<string, number>(ADMIN_CENTER_COLUMNS.map((c, i) => [headerKey(c), i]));

export type HeaderCheck = { ok: true; positions: number[] } | { ok: false; message: string };

/**
 * Where each of the 20 columns sits in this file's rows (any order). Anything but exactly those 20 columns is one
 * error naming what is missing, unexpected or repeated: a file of some other report must not be half-read.
 */
export function checkHeader(header: string[]): HeaderCheck {
  const positions: number[] = new Array(ADMIN_CENTER_COLUMNS.length).fill(-1);
  const unexpected: string[] = [];
  const repeated: string[] = [];
  header.forEach((name, at) => {
    const column = COLUMN_BY_KEY.get(headerKey(name));
    if (column === undefined) unexpected.push(name.trim());
    else if (positions[column] !== -1) repeated.push(name.trim());
    else positions[column] = at;
  });
  const missing = ADMIN_CENTER_COLUMNS.filter((_, i) => positions[i] === -1);
  if (missing.length === 0 && unexpected.length === 0 && repeated.length === 0) return { ok: true, positions };
  const expected = `expected: ${ADMIN_CENTER_COLUMNS.join(',')}`;
  // Most columns missing: some other file, where a list of all twenty would bury the point.
  if (missing.length > ADMIN_CENTER_COLUMNS.length / 2) {
    return { ok: false, message: `this is not the header of the admin center's PSTN usage export; ${expected}` };
  }
  const quote = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');
  const problems = [
    missing.length > 0 ? `missing ${quote(missing)}` : '',
    unexpected.length > 0 ? `unexpected ${quote(unexpected)}` : '',
    repeated.length > 0 ? `repeated ${quote(repeated)}` : '',
  ].filter(Boolean);
  return {
    ok: false,
    message: `the header is not the ${ADMIN_CENTER_COLUMNS.length} columns of the admin center's PSTN usage export (${problems.join('; ')}); ${expected}`,
  };
}

export type RowMapping = { ok: true; row: Record<string, unknown> } | { ok: false; id: string | null; message: string };

/**
 * The Graph row for one CSV row (fields as csv-parse read them, `positions` from checkHeader). Only what the CSV
 * spells differently from Graph is converted here: numbers from text, call and number type spellings, dates without
 * a zone (the export is UTC). Everything else, and every check, is parseCallRecord's.
 */
export function graphRowOf(fields: string[], positions: number[]): RowMapping {
  const at = (column: number): string => (fields[positions[column]!] ?? '').trim();
  const optional = (column: number): string | null => at(column) || null;
  const id = at(0);
  const duration = wholeNumberOf(at(15));
  if (duration === undefined) return { ok: false, id: id || null, message: `Duration Seconds: must be a number of seconds, not "${at(15)}"` };
  const connectionCharge = decimalOf(at(16));
  if (connectionCharge === undefined) return { ok: false, id: id || null, message: `Connection Fee: must be a plain decimal like 0.10, not "${at(16)}"` };
  const charge = decimalOf(at(17));
  if (charge === undefined) return { ok: false, id: id || null, message: `Charge: must be a plain decimal like 1.25, not "${at(17)}"` };
  return {
    ok: true,
    row: {
      id,
      callId: optional(1),
      conferenceId: optional(2),
      usageCountryCode: optional(3),
      userId: optional(4),
      userPrincipalName: optional(5),
      userDisplayName: optional(6),
      callerNumber: optional(7),
      callType: graphCallType(at(8)),
      inventoryType: graphInventoryType(at(9)),
      destinationContext: optional(10),
      destinationName: optional(11),
      calleeNumber: optional(12),
      startDateTime: isoUtc(at(13)),
      endDateTime: at(14) ? isoUtc(at(14)) : null,
      duration,
      connectionCharge,
      charge,
      currency: optional(18),
      licenseCapability: optional(19),
    },
  };
}

/**
 * "120" → 120. A number that is not whole ("1.5", "-3") is passed on for parseCallRecord to refuse with its own rule;
 * only text that is no number at all is refused here. Empty → null (parseCallRecord decides whether it may be).
 */
function wholeNumberOf(text: string): number | null | undefined {
  if (text === '') return null;
  return /^-?\d{1,12}(\.\d{1,6})?$/.test(text) ? Number(text) : undefined;
}

/** Money stays text for parseCallRecord's own conversion, but only a plain decimal: Number() would take "0x1f" or " ". */
function decimalOf(text: string): string | null | undefined {
  if (text === '') return null;
  return /^-?\d{1,12}(\.\d{1,9})?$/.test(text) ? text : undefined;
}

/**
 * The export's times are UTC; a time written without a zone ("2026-11-10 09:00:00") gets its Z. Anything else is
 * passed on as written, for parseCallRecord to accept or refuse.
 */
function isoUtc(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}${m[3] ?? 'Z'}`;
}

const CONFERENCE_WORDS = new Set(['conf', 'conference', 'conferencing', 'meeting']);
const IN_WORDS = new Set(['in', 'dialin', 'inbound', 'incoming']);
const OUT_WORDS = new Set(['out', 'dialout', 'outbound', 'outgoing']);
const FILLER_WORDS = new Set(['dial', 'audio', 'call', 'bridge', 'pstn']);

/**
 * Graph's callType for the export's Call Type. conf_in and conf_out as they are; a spelling made only of conference
 * words and one direction ("Conference in", "Dial-in conference", "Audio conferencing dial-out") is the same thing.
 * Any other word ("user_out_conf": a user adding PSTN people to a 1:1 call, not the bridge) leaves the type as it is,
 * snake_cased like Graph's (user_out, ucap_in …), to be stored as ignored.
 */
export function graphCallType(text: string): string {
  const words = text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  let conference = false;
  let dialIn = false;
  let dialOut = false;
  for (const w of words) {
    if (CONFERENCE_WORDS.has(w)) conference = true;
    else if (IN_WORDS.has(w)) dialIn = true;
    else if (OUT_WORDS.has(w)) dialOut = true;
    else if (!FILLER_WORDS.has(w)) return snakeCase(text);
  }
  if (conference && dialIn !== dialOut) return dialIn ? 'conf_in' : 'conf_out';
  return snakeCase(text);
}

const snakeCase = (text: string) => text.trim().replace(/[\s-]+/g, '_');

const TOLL_FREE_SPELLINGS = new Set(['tollfree', 'tollfreenumber', 'servicetollfree', 'freephone', 'freephonenumber']);
const TOLL_SPELLINGS = new Set(['toll', 'tollnumber', 'servicetoll']);

/**
 * Graph's inventoryType for the export's Number Type: toll-free spellings ("Toll free", "TOLL-FREE", "Freephone")
 * become TollFree and toll spellings Toll; any other value is kept as written (not toll-free).
 */
export function graphInventoryType(text: string): string | null {
  const key = text.toLowerCase().replace(/[^a-z]/g, '');
  if (key === '') return null;
  if (TOLL_FREE_SPELLINGS.has(key)) return 'TollFree';
  if (TOLL_SPELLINGS.has(key)) return 'Toll';
  return text;
}

const COLUMN_OF_FIELD = new Map(Object.entries(GRAPH_FIELD_OF).map(([column, field]) => [field, column]));

/**
 * A message about a Graph field ("calleeNumber: required for conf_in and conf_out"), in the words of the CSV its
 * reader has open ("Destination Number: required …"). Only the field a message starts with, and the organizer
 * rule's two fields, are renamed: the rest may quote the row's own text.
 */
export function inExportTerms(message: string): string {
  return message
    .replace(/^(\w+):/, (prefix, field: string) => (COLUMN_OF_FIELD.has(field) ? `${COLUMN_OF_FIELD.get(field)}:` : prefix))
    .replace(/^userId or userPrincipalName\b/, 'AAD ObjectId or UPN');
}
