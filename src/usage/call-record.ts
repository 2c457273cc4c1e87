import { createHash } from 'node:crypto';
// zod's v4 engine (shipped inside zod 3.25): several times faster on this per-leg hot path.
import { z } from 'zod/v4';

/**
 * A call leg as Microsoft Graph's pstnCallLogRow describes it (DOMAIN.md), normalized. Only conf_in (dial-in to the
 * bridge) and conf_out (dial-out from the bridge) are rated; any other call type is kept as "ignored".
 */
export const RATED_CALL_TYPES = ['conf_in', 'conf_out'] as const;
export type RatedCallType = (typeof RATED_CALL_TYPES)[number];

export interface CallRecord {
  id: string;
  callId: string | null;
  callType: string;
  rated: boolean;
  conferenceId: string | null;
  /** The organizer (for conf_in/conf_out Graph reports the ORGANIZER's user): userId, else userPrincipalName. */
  organizerId: string | null;
  organizerUpn: string | null;
  organizerName: string | null;
  calleeNumber: string | null;
  callerNumber: string | null;
  tollFree: boolean;
  startAt: string;
  endAt: string | null;
  durationSeconds: number;
  /** Microsoft's own figures, kept for reconciliation; micro-units of msCurrency. */
  msChargeMicros: number | null;
  msConnectionChargeMicros: number | null;
  msCurrency: string | null;
  msLicenseCapability: string | null;
  msInventoryType: string | null;
  /** Identifies the content: the same id with a different hash is a conflict, not a duplicate. */
  contentHash: string;
}

export type ParseResult = { ok: true; record: CallRecord } | { ok: false; id: string | null; reason: string; message: string };

// nullish() rather than union([string, null]): a union builds a failure issue for every null it tries.
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()));

const isoDate = z
  .string()
  .trim()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-02T09:00:00Z',
  });

const money = z
  .any()
  .transform((v: unknown, ctx) => {
    if (v === undefined || v === null || v === '') return null;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < -1e9 || n > 1e9) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a number' });
      return z.NEVER;
    }
    return Math.round(n * 1_000_000);
  });

const rowSchema = z.object({
  id: z.string().trim().min(1, 'id is required').max(200),
  callId: optionalText,
  callType: z.string().trim().min(1, 'callType is required').max(50),
  conferenceId: optionalText,
  userId: optionalText,
  userPrincipalName: optionalText,
  userDisplayName: optionalText,
  calleeNumber: optionalText,
  callerNumber: optionalText,
  inventoryType: optionalText,
  startDateTime: isoDate,
  endDateTime: isoDate.nullish(),
  duration: z.number().nullish(),
  charge: money,
  connectionCharge: money,
  currency: optionalText,
  licenseCapability: optionalText,
});

/** TollFree, toll_free, Toll Free, TOLL-FREE … all mean toll-free. */
export function isTollFreeInventory(inventoryType: string | null): boolean {
  return inventoryType !== null && /^toll[\s_-]*free$/i.test(inventoryType.trim());
}

export function parseCallRecord(input: unknown): ParseResult {
  const rawId =
    typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string'
      ? ((input as { id: string }).id as string)
      : null;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, id: rawId, reason: 'malformed_record', message: 'a call record must be a JSON object' };
  }
  const parsed = rowSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      id: rawId,
      reason: 'malformed_record',
      message: `${issue.path.join('.') || 'record'}: ${issue.message}`,
    };
  }
  const r = parsed.data;
  const callType = r.callType.toLowerCase();
  const rated = (RATED_CALL_TYPES as readonly string[]).includes(callType);
  const duration = r.duration ?? null;
  if (duration !== null && (!Number.isInteger(duration) || duration < 0 || duration > 7 * 24 * 3600)) {
    return { ok: false, id: r.id, reason: 'malformed_record', message: 'duration: must be whole seconds between 0 and one week' };
  }
  if (rated) {
    if (duration === null) return { ok: false, id: r.id, reason: 'malformed_record', message: 'duration: required for conf_in and conf_out' };
    if (!r.calleeNumber) return { ok: false, id: r.id, reason: 'malformed_record', message: 'calleeNumber: required for conf_in and conf_out' };
    if (!r.userId && !r.userPrincipalName) {
      return { ok: false, id: r.id, reason: 'malformed_record', message: 'userId or userPrincipalName (the organizer) is required' };
    }
  }
  const startAt = new Date(r.startDateTime).toISOString();
  const endAt = r.endDateTime ? new Date(r.endDateTime).toISOString() : null;
  const record: Omit<CallRecord, 'contentHash'> = {
    id: r.id,
    callId: r.callId,
    callType,
    rated,
    conferenceId: r.conferenceId,
    organizerId: r.userId ?? r.userPrincipalName,
    organizerUpn: r.userPrincipalName,
    organizerName: r.userDisplayName,
    calleeNumber: r.calleeNumber,
    callerNumber: r.callerNumber,
    tollFree: isTollFreeInventory(r.inventoryType),
    startAt,
    endAt,
    durationSeconds: duration ?? 0,
    msChargeMicros: r.charge,
    msConnectionChargeMicros: r.connectionCharge,
    msCurrency: r.currency ? r.currency.toUpperCase() : null,
    msLicenseCapability: r.licenseCapability,
    msInventoryType: r.inventoryType,
  };
  return { ok: true, record: { ...record, contentHash: hashRecord(record) } };
}

/** Hash of the normalized fields in a fixed order, so key order or spelling variants of the same row agree. */
function hashRecord(r: Omit<CallRecord, 'contentHash'>): string {
  const fields = [
    r.id, r.callId, r.callType, r.conferenceId, r.organizerId, r.organizerUpn, r.calleeNumber, r.callerNumber,
    r.tollFree, r.startAt, r.endAt, r.durationSeconds, r.msChargeMicros, r.msConnectionChargeMicros, r.msCurrency,
    r.msLicenseCapability,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 32);
}

/** A Graph page `{ value: [...] }` or a plain array; anything else is not a batch. */
export function recordsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { value?: unknown }).value)) {
    return (body as { value: unknown[] }).value;
  }
  return undefined;
}
