import { z } from 'zod';
import { poolMonth, poolSecondsFor } from '../billing/dial-out-pool';
import type { DialOutPolicyName } from '../billing/dial-out-policy';
import { rateLeg, type Decision } from '../billing/rate-leg';
import { reasonMessage } from '../billing/reasons';
import { organizerProfile } from '../directory/organizer-profile';
import { screenDialOut } from '../fraud/fraud-guard';
import { failure, ok, type Outcome } from '../outcome';
import { loadRateCard } from '../rates/rate-card-store';
import type { Store } from '../store/database';
import { poolUsed } from '../store/leg-store';
import { findTenant } from '../store/tenant-store';
import { findUser } from '../store/user-store';
import { isStorableText, NOT_STORABLE_TEXT } from '../store/storable-text';
import type { Clock } from '../time/clock';

// Looked up in the store: text it keeps as it is, or a 400 (a NUL would fail the query on PostgreSQL: a 500).
const storable = { message: NOT_STORABLE_TEXT };

export const authorizeRequestSchema = z.object({
  organizerId: z.string().trim().min(1, 'organizerId is required (AAD object id or UPN)').refine(isStorableText, storable),
  callType: z.enum(['conf_in', 'conf_out'], { message: 'callType must be conf_in or conf_out' }),
  number: z.string().trim().min(1, 'number is required (E.164, e.g. +4930123456)').refine(isStorableText, storable),
  numberType: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v.toLowerCase().replace(/[\s_-]/g, '') : 'toll'))
    .refine((v) => v === 'toll' || v === 'tollfree', { message: 'numberType must be toll or tollFree' }),
});
export type AuthorizeRequest = z.input<typeof authorizeRequestSchema>;

export type AuthorizeAnswer =
  | ({ allowed: true } & Pick<Decision, 'paidBy' | 'destinationCountry' | 'maxDurationSeconds' | 'poolSeconds'> & {
      rate: { perMinuteMicros: number; connectionFeeMicros: number; incrementSeconds: number; description: string } | null;
      currency: string;
      /** The toll-fraud rules this dial-out matches, when the tenant allows suspected fraud (blocking off). */
      suspectedTollFraud?: string[];
    })
  | { allowed: false; reason: string; message: string };

/** Answers before a call connects: allowed or not, who pays, the rate, and the longest the call may last. */
export async function authorizeCall(store: Store, clock: Clock, tenantId: string, input: unknown): Promise<Outcome<AuthorizeAnswer>> {
  const parsed = authorizeRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return failure('invalid_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const req = parsed.data;
  const db = store.db;
  const tenant = await findTenant(db, tenantId);
  if (!tenant) return failure('unknown_tenant');
  const now = clock.now();
  const user = await findUser(db, tenantId, req.organizerId);
  const rateCard = await loadRateCard(db, tenant);
  const used = await poolUsed(db, tenantId, poolMonth(now));
  const decision = rateLeg(
    { callType: req.callType, number: req.number, tollFree: req.numberType === 'tollfree', durationSeconds: 0, startDateTime: now },
    {
      mode: 'authorize',
      tenant: { country: tenant.country, currency: tenant.currency, billingMode: tenant.billing_mode },
      organizer: user ? organizerProfile(user) : undefined,
      globalDialOutPolicy: tenant.global_dial_out_policy as DialOutPolicyName,
      rateCard,
      poolRemainingSeconds: Math.max(0, poolSecondsFor(tenant.pool_licenses) - used),
      balanceMicros: Number(tenant.balance_micros),
    },
  );
  if (!decision.ok) return ok({ allowed: false, reason: decision.reason, message: decision.message || reasonMessage(decision.reason) });
  // Dial-outs pass the toll-fraud guard: the block list always refuses, suspected fraud when the tenant turned blocking on.
  const screening = req.callType !== 'conf_out' ? undefined : await screenDialOut(store, tenant, {
    organizer: user ? organizerProfile(user) : undefined,
    organizerId: req.organizerId,
    digits: req.number.replace(/\D/g, ''),
    destinationCountry: decision.destinationCountry,
    ratePerMinuteMicros: decision.rate?.perMinuteMicros ?? null,
    at: now,
  });
  if (screening && !screening.ok) return ok({ allowed: false, reason: screening.reason, message: screening.message });
  return ok({
    allowed: true,
    paidBy: decision.paidBy,
    destinationCountry: decision.destinationCountry,
    maxDurationSeconds: decision.maxDurationSeconds,
    poolSeconds: decision.poolSeconds,
    currency: tenant.currency,
    rate: decision.rate
      ? {
          perMinuteMicros: decision.rate.perMinuteMicros,
          connectionFeeMicros: decision.rate.connectionFeeMicros,
          incrementSeconds: decision.rate.incrementSeconds,
          description: decision.rate.description,
        }
      : null,
    ...(screening?.suspected.length ? { suspectedTollFraud: screening.suspected } : {}),
  });
}
