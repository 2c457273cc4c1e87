import { randomUUID } from 'node:crypto';
import { parsePhoneNumber } from '../billing/phone-number';
import { poolMonth, poolSecondsFor } from '../billing/dial-out-pool';
import { rateLeg, type Decision, type OrganizerProfile, type RatingContext } from '../billing/rate-leg';
import type { DialOutPolicyName } from '../billing/dial-out-policy';
import type { Ledger } from '../ledger/ledger';
import type { Logger } from '../observability/logger';
import { ok, type Outcome } from '../outcome';
import type { Tx } from '../store/database';
import type { TenantRow } from '../store/tenant-store';
import type { RateCard } from '../billing/rate-card';
import { fillInMicrosoftCharge, addPoolUsage, addToMeetings, findStoredLegs, isStoredLegKey, openLegWriter, poolUsed, type LegRow, type MeetingRow, type StoredLeg } from '../store/leg-store';
import { findOrganizers } from '../store/user-store';
import { loadRateCard } from '../rates/rate-card-store';
import { organizerProfile } from '../directory/organizer-profile';
import type { Clock } from '../time/clock';
import { parseCallRecord, type CallRecord } from './call-record';
import { cardHoldsLegStart, findCardsToUpdate } from '../store/bot-store';
import { enqueue } from '../store/outbox-store';
import { StatementPipeline } from '../store/statement-pipeline';
import type { GuardDayFigures } from '../store/spend-rollup-store';

/** Outbox kinds this module enqueues. */
export const MEETING_CARD_UPDATE = 'meeting_card.update';

/**
 * PostgreSQL, while the legs' COPY waits behind the fraud guard's read: records rated between two looks at the
 * connection. A look costs a turn of the event loop (tens of microseconds); 250 records take about a millisecond to rate.
 */
const RATE_SLICE = 250;

export interface Rejection {
  id: string | null;
  /** Position in the submitted batch (0-based), so a row without an id can still be found. */
  index: number;
  reason: string;
  message: string;
}

export interface IntakeSummary {
  accepted: number;
  duplicates: number;
  conflicts: number;
  /** Duplicates that brought Microsoft's billed figures for a leg stored without them. */
  enriched: number;
  ignored: number;
  rejected: Rejection[];
  /** Total charged to Communications Credits by the accepted legs, micro-units of the tenant's currency. */
  charged: number;
  chargedLegs: number;
  autoRecharges: number;
  conflictIds: string[];
}

export function emptySummary(): IntakeSummary {
  return { accepted: 0, duplicates: 0, conflicts: 0, enriched: 0, ignored: 0, rejected: [], charged: 0, chargedLegs: 0, autoRecharges: 0, conflictIds: [] };
}

export function addSummaries(a: IntakeSummary, b: IntakeSummary): IntakeSummary {
  return {
    accepted: a.accepted + b.accepted,
    duplicates: a.duplicates + b.duplicates,
    conflicts: a.conflicts + b.conflicts,
    enriched: a.enriched + b.enriched,
    ignored: a.ignored + b.ignored,
    rejected: a.rejected.concat(b.rejected),
    charged: a.charged + b.charged,
    chargedLegs: a.chargedLegs + b.chargedLegs,
    autoRecharges: a.autoRecharges + b.autoRecharges,
    conflictIds: a.conflictIds.concat(b.conflictIds),
  };
}

/**
 * Sees a chunk's stored legs (in settlement order), the organizers and the rate card they were rated with, in the
 * chunk's transaction. It runs before the chunk's spend rollup is written, and what it returns goes into it: the
 * toll-fraud guard's figures of its organizers' days (one row write per organizer and day for both). `writes` (absent
 * where a caller runs a hook alone): the chunk's statement pipeline, for writes the hook need not wait for.
 */
export type SettledLegsHook = (
  tx: Tx,
  tenant: TenantRow,
  legs: readonly LegRow[],
  organizers: ReadonlyMap<string, OrganizerProfile>,
  rateCard: RateCard,
  at: string,
  writes?: StatementPipeline,
) => Promise<SettledLegsResult | void>;

export interface SettledLegsResult {
  /** Added to the organizers' rows of the spend rollup (spend-rollup-store.ts GuardDayFigures). */
  organizerDays?: readonly GuardDayFigures[];
}

/**
 * Runs in a chunk's transaction before its records are rated: a hook may send reads through `writes` whose answers
 * its onSettled will want (FraudGuard.beforeRating). They go out ahead of the legs' COPY, which then runs while the
 * chunk is rated: on PostgreSQL a read queued behind the chunk's writes waits for all of them, and the work the hook
 * does with its answer (the server idle meanwhile) could not overlap theirs.
 */
export type BeforeRatingHook = (
  tx: Tx,
  tenant: TenantRow,
  records: readonly CallRecord[],
  organizers: ReadonlyMap<string, OrganizerProfile>,
  writes: StatementPipeline,
) => Promise<void>;

export interface IntakeOptions {
  /** Legs per transaction: each commits whole or not at all. */
  chunkSize?: number;
  /** Runs in each chunk's transaction with the legs it stored (the toll-fraud guard, src/fraud/fraud-guard.ts). */
  onSettled?: SettledLegsHook;
  beforeRating?: BeforeRatingHook;
}

/**
 * Drives call records through billing into the ledger. A batch is validated whole first; bad rows are reported and
 * never block the good ones. Valid legs are settled in start-time order (the order they draw on the dial-out pool),
 * in chunks, each chunk one transaction under the tenant's lock: dedupe against what is stored, rate, charge,
 * record the leg, the pool and the meeting rollup. Re-sending anything is harmless: the leg's id is its identity.
 */
export class Intake {
  private readonly chunkSize: number;
  /** Tenants whose last chunk held stored legs: their next chunk looks its ids up first (see settleChunk). */
  private readonly lookUpFirst = new Set<string>();
  private readonly onSettled: SettledLegsHook | undefined;
  private readonly beforeRating: BeforeRatingHook | undefined;

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: IntakeOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? 2000;
    this.onSettled = options.onSettled;
    this.beforeRating = options.beforeRating;
  }

  /** Validates every input; returns the valid records and the rejections. */
  validate(inputs: unknown[], indexOffset = 0): { records: CallRecord[]; rejected: Rejection[] } {
    const records: CallRecord[] = [];
    const rejected: Rejection[] = [];
    inputs.forEach((input, i) => {
      const parsed = parseCallRecord(input);
      if (!parsed.ok) {
        rejected.push({ id: parsed.id, index: indexOffset + i, reason: parsed.reason, message: parsed.message });
        return;
      }
      const r = parsed.record;
      if (r.rated) {
        const number = parsePhoneNumber(r.calleeNumber!);
        if (!number.ok) {
          rejected.push({ id: r.id, index: indexOffset + i, reason: number.reason, message: `calleeNumber: ${number.message}` });
          return;
        }
      }
      records.push(r);
    });
    return { records, rejected };
  }

  async ingest(tenantId: string, inputs: unknown[]): Promise<Outcome<IntakeSummary>> {
    const { records, rejected } = this.validate(inputs);
    const settled = await this.settle(tenantId, records);
    if (!settled.ok) return settled;
    return ok({ ...settled.value, rejected: rejected.concat(settled.value.rejected) });
  }

  /** Settles already-validated records: sorted by start time, then chunked. */
  async settle(tenantId: string, records: CallRecord[]): Promise<Outcome<IntakeSummary>> {
    const ordered = [...records].sort((a, b) => (a.startAt < b.startAt ? -1 : a.startAt > b.startAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let total = emptySummary();
    for (let i = 0; i < ordered.length; i += this.chunkSize) {
      const chunk = await this.settleChunk(tenantId, ordered.slice(i, i + this.chunkSize));
      if (!chunk.ok) return chunk;
      total = addSummaries(total, chunk.value);
    }
    if (records.length === 0) {
      // Still tell the caller about an unknown tenant rather than "accepted: 0".
      const probe = await this.ledger.withBook(tenantId, async () => ok(undefined));
      if (!probe.ok) return probe;
    }
    return ok(total);
  }

  /**
   * A chunk of a tenant whose last chunk found nothing stored skips the look-up of its ids: a stored id still never
   * goes in twice, because the legs' primary key refuses it, which rolls the whole chunk back (nothing of it was
   * written) and runs it again with the look-up. The look-up costs the database about what storing the legs' keys
   * does, and fresh chunks are the rule; a tenant whose chunks do hold stored legs (a re-import, Graph sync's
   * overlap) is looked up first until a chunk finds none.
   */
  private async settleChunk(tenantId: string, records: CallRecord[]): Promise<Outcome<IntakeSummary>> {
    if (this.lookUpFirst.has(tenantId)) return this.settleChunkOnce(tenantId, records, true);
    try {
      return await this.settleChunkOnce(tenantId, records, false);
    } catch (err) {
      if (!isStoredLegKey(err)) throw err;
      return this.settleChunkOnce(tenantId, records, true);
    }
  }

  private async settleChunkOnce(tenantId: string, records: CallRecord[], lookUp: boolean): Promise<Outcome<IntakeSummary>> {
    const now = this.clock.now().toISOString();
    return this.ledger.withBook(tenantId, async (book, tx, tenant) => {
      const summary = emptySummary();
      const stored = lookUp ? await findStoredLegs(this.ledger.store, tx, tenantId, records.map((r) => r.id)) : new Map<string, StoredLeg>();
      if (stored.size > 0) rememberTenant(this.lookUpFirst, tenantId);
      else this.lookUpFirst.delete(tenantId);
      const fresh: CallRecord[] = [];
      const billed: CallRecord[] = [];
      const seen = new Map<string, string>();
      for (const r of records) {
        const storedLeg = stored.get(r.id);
        const known = storedLeg?.hash ?? seen.get(r.id);
        if (known === undefined) {
          seen.set(r.id, r.contentHash);
          fresh.push(r);
        } else if (known === r.contentHash) {
          summary.duplicates += 1;
          // Only a stored leg still without Microsoft's charge can be filled in: re-imports cost no writes.
          if (r.msChargeMicros !== null && storedLeg && !storedLeg.billed) billed.push(r);
        } else {
          summary.conflicts += 1;
          summary.conflictIds.push(r.id);
        }
      }
      if (summary.conflicts > 0) {
        this.logger.warn({ tenantId, conflictIds: summary.conflictIds.slice(0, 20), conflicts: summary.conflicts },
          'call records rejected: same id as a stored leg but different content');
      }
      await this.fillInMicrosoftFigures(tx, tenantId, billed, summary, now);
      if (fresh.length === 0) return ok(summary);

      const rateCard = await loadRateCard(tx, tenant);
      const organizers = await this.organizers(tx, tenantId, fresh);
      const poolTotal = poolSecondsFor(tenant.pool_licenses);
      // The pool's use so far in every month the chunk's legs draw from, read before the legs' statement starts (on
      // PostgreSQL it runs while they are rated, and nothing else can be read on the connection meanwhile).
      const months = new Array<string | undefined>(fresh.length);
      const poolAtStart = new Map<string, number>();
      for (let i = 0; i < fresh.length; i++) {
        const r = fresh[i]!;
        if (!r.rated) continue;
        const month = (months[i] = poolMonth(new Date(r.startMs)));
        if (!poolAtStart.has(month)) poolAtStart.set(month, await poolUsed(tx, tenantId, month));
      }
      const poolByMonth = new Map(poolAtStart);
      const meetings = new Map<string, MeetingRow>();
      // The same for every leg of the chunk: built once.
      const ratingTenant: RatingContext['tenant'] = { country: tenant.country, currency: tenant.currency, billingMode: tenant.billing_mode };
      const globalDialOutPolicy = tenant.global_dial_out_policy as DialOutPolicyName;

      // The chunk's writes go out back to back (statement-pipeline.ts): the legs' as they are rated (openLegWriter),
      // then each one's data is built while the server stores the one before. The hook's reads queue behind them and
      // see them.
      const store = this.ledger.store;
      const writes = new StatementPipeline(store.engine);
      await writes.run(async () => {
        if (this.beforeRating) await this.beforeRating(tx, tenant, fresh, organizers, writes);
        const legs = await openLegWriter(store, tx, writes);
        try {
          for (let i = 0; i < fresh.length; i++) {
            // While a read sent before the legs' COPY (beforeRating's) holds the connection, the legs are rated
            // regardless, in slices between which its answer can come in, and go out once the COPY starts.
            if (!legs.streaming && i % RATE_SLICE === 0) await legs.letAnswersIn();
            const r = fresh[i]!;
            if (!r.rated) {
              summary.ignored += 1;
              legs.add(legRow(tenantId, r, undefined, book.nextLegSeq(), now));
              continue;
            }
            const month = months[i]!;
            const used = poolByMonth.get(month)!;
            const organizer = organizers.get(r.organizerId!) ?? (r.organizerUpn ? organizers.get(r.organizerUpn.toLowerCase()) : undefined);
            const decision = rateLeg(
              {
                callType: r.callType as 'conf_in' | 'conf_out',
                number: r.calleeNumber!,
                tollFree: r.tollFree,
                durationSeconds: r.durationSeconds,
                startDateTime: new Date(r.startMs),
              },
              {
                mode: 'settle',
                tenant: ratingTenant,
                organizer,
                globalDialOutPolicy,
                rateCard,
                poolRemainingSeconds: Math.max(0, poolTotal - used),
                balanceMicros: book.balanceMicros,
              },
            );
            if (!decision.ok) {
              // Settlement refuses nothing but a number that is not a number; validate() already caught those.
              summary.rejected.push({ id: r.id, index: -1, reason: decision.reason, message: decision.message });
              continue;
            }
            if (decision.poolSeconds > 0) poolByMonth.set(month, used + decision.poolSeconds);
            const seq = book.nextLegSeq();
            book.charge(decision.chargeMicros, { id: r.id, seq });
            summary.accepted += 1;
            if (decision.chargeMicros > 0) {
              summary.charged += decision.chargeMicros;
              summary.chargedLegs += 1;
            }
            legs.add(legRow(tenantId, r, decision, seq, now));
            if (r.conferenceId) addToMeeting(meetings, tenantId, r, decision, now);
          }
        } catch (err) {
          legs.fail(err);
          throw err;
        }
        await legs.close();
        for (const [month, used] of poolByMonth) {
          const drawn = used - poolAtStart.get(month)!;
          if (drawn > 0) await writes.send(() => addPoolUsage(tx, tenantId, month, drawn));
        }
        await writes.send(() => addToMeetings(store, tx, [...meetings.values()]));
        const rows = legs.rows;
        // The hook first (its reads see the spend rollup as it was before the chunk), then the rollup with what it added.
        const settled = this.onSettled ? await this.onSettled(tx, tenant, rows, organizers, rateCard, now, writes) : undefined;
        await legs.addToSpendRollup(settled?.organizerDays);
        await writes.send(() => this.enqueueCardUpdates(tx, tenantId, [...meetings.keys()], rows[rows.length - 1]?.settled_seq ?? 0, now, rows));
      });
      summary.autoRecharges = book.autoRechargesFired;
      return ok(summary);
    });
  }

  /**
   * A leg stored without Microsoft's billed figures (posted through the API, say) that comes again with them (Graph
   * sync, the admin center export): the figures are kept for reconciliation, the leg is not charged again, and the
   * meeting's posted card is updated (it may now be final). Figures already stored are never overwritten.
   */
  private async fillInMicrosoftFigures(tx: Tx, tenantId: string, records: CallRecord[], summary: IntakeSummary, at: string): Promise<void> {
    const conferences = new Set<string>();
    const filledLegs: { conference_id: string; start_at: string }[] = [];
    for (const r of records) {
      const filled = await fillInMicrosoftCharge(tx, tenantId, r.id, {
        ms_charge_micros: r.msChargeMicros,
        ms_connection_charge_micros: r.msConnectionChargeMicros,
        ms_currency: r.msCurrency,
        ms_license_capability: r.msLicenseCapability,
        ms_usage_location: r.msUsageLocation,
        ms_destination_context: r.msDestinationContext,
      });
      if (!filled) continue;
      summary.enriched += 1;
      if (!r.conferenceId) continue;
      conferences.add(r.conferenceId);
      filledLegs.push({ conference_id: r.conferenceId, start_at: r.startAt });
    }
    await this.enqueueCardUpdates(tx, tenantId, [...conferences], `billed-${randomUUID()}`, at, filledLegs);
  }

  /**
   * Late legs of a meeting whose cost card was already posted: the card is updated in place, through the outbox,
   * committed with the legs that changed it. The key is per chunk, so each chunk's change is delivered. A card of one
   * occurrence of a recurring meeting is updated only when one of `legs` is on it (a leg of another occurrence,
   * earlier or later, leaves it be).
   */
  private async enqueueCardUpdates(
    tx: Tx,
    tenantId: string,
    conferenceIds: string[],
    chunkSeq: number | string,
    at: string,
    legs: readonly Pick<LegRow, 'conference_id' | 'start_at'>[],
  ): Promise<void> {
    if (conferenceIds.length === 0) return;
    const cards = await findCardsToUpdate(tx, tenantId, conferenceIds);
    // The legs' starts by conference, only when there is a card of one occurrence to tell its legs from others'.
    const starts = new Map<string, string[]>();
    if (cards.some((c) => c.legs_until)) {
      for (const l of legs) {
        if (!l.conference_id) continue;
        let list = starts.get(l.conference_id);
        if (!list) starts.set(l.conference_id, (list = []));
        list.push(l.start_at);
      }
    }
    for (const card of cards) {
      if (card.legs_until && !(starts.get(card.conference_id) ?? []).some((startAt) => cardHoldsLegStart(card, startAt))) continue;
      // A card of one occurrence is named by its end too: should a later occurrence take the conference's row over
      // before this is delivered, the update goes to the kept card. One from before occurrences, by its conference.
      const occurrence = card.legs_until ? card.ended_at : null;
      await enqueue(tx, {
        tenantId,
        kind: MEETING_CARD_UPDATE,
        dedupeKey: occurrence ? `meeting-card-update:${card.conference_id}@${occurrence}:${chunkSeq}` : `meeting-card-update:${card.conference_id}:${chunkSeq}`,
        payload: occurrence ? { conferenceId: card.conference_id, endedAt: occurrence } : { conferenceId: card.conference_id },
        at,
      });
    }
  }

  private async organizers(tx: Tx, tenantId: string, records: CallRecord[]): Promise<Map<string, OrganizerProfile>> {
    const keys = new Set<string>();
    for (const r of records) {
      if (!r.rated) continue;
      if (r.organizerId) keys.add(r.organizerId);
      if (r.organizerUpn) keys.add(r.organizerUpn);
    }
    const rows = await findOrganizers(this.ledger.store, tx, tenantId, [...keys]);
    const map = new Map<string, OrganizerProfile>();
    for (const row of rows) {
      const profile = organizerProfile(row);
      map.set(row.aad_object_id, profile);
      if (row.upn_lower) map.set(row.upn_lower, profile);
    }
    return map;
  }
}

/** Remembers a tenant in a set kept to a bounded size (a process may serve many tenants). */
function rememberTenant(tenants: Set<string>, tenantId: string): void {
  if (tenants.size >= 10_000 && !tenants.has(tenantId)) tenants.delete(tenants.values().next().value!);
  tenants.add(tenantId);
}

function legRow(tenantId: string, r: CallRecord, d: Decision | undefined, seq: number, now: string): LegRow {
  return {
    tenant_id: tenantId,
    id: r.id,
    call_id: r.callId,
    call_type: r.callType,
    status: d ? 'rated' : 'ignored',
    conference_id: r.conferenceId,
    organizer_id: r.organizerId,
    organizer_upn: r.organizerUpn,
    organizer_name: r.organizerName,
    callee_number: r.calleeNumber,
    caller_number: r.callerNumber,
    toll_free: r.tollFree ? 1 : 0,
    destination_country: d?.destinationCountry ?? null,
    start_at: r.startAt,
    end_at: r.endAt,
    duration_seconds: r.durationSeconds,
    paid_by: d?.paidBy ?? null,
    billed_seconds: d?.billedSeconds ?? 0,
    pool_seconds: d?.poolSeconds ?? 0,
    credit_seconds: d?.creditSeconds ?? 0,
    charge_micros: d?.chargeMicros ?? 0,
    rate_per_minute_micros: d?.rate?.perMinuteMicros ?? null,
    connection_fee_micros: d?.rate && d.chargeMicros > 0 && r.durationSeconds > 0 ? d.rate.connectionFeeMicros : 0,
    flags: d ? d.flags.join(',') : '',
    ms_charge_micros: r.msChargeMicros,
    ms_connection_charge_micros: r.msConnectionChargeMicros,
    ms_currency: r.msCurrency,
    ms_license_capability: r.msLicenseCapability,
    ms_inventory_type: r.msInventoryType,
    ms_usage_location: r.msUsageLocation,
    ms_destination_context: r.msDestinationContext,
    content_hash: r.contentHash,
    settled_seq: seq,
    created_at: now,
  };
}

function addToMeeting(meetings: Map<string, MeetingRow>, tenantId: string, r: CallRecord, d: Decision, now: string) {
  const key = r.conferenceId!;
  let m = meetings.get(key);
  if (!m) {
    m = {
      tenant_id: tenantId,
      conference_id: key,
      organizer_id: r.organizerId,
      legs: 0,
      billed_seconds: 0,
      pool_seconds: 0,
      charge_micros: 0,
      subscription_legs: 0,
      pool_legs: 0,
      credits_legs: 0,
      addon_legs: 0,
      flagged_legs: 0,
      first_start_at: r.startAt,
      last_end_at: r.endAt,
      updated_at: now,
    };
    meetings.set(key, m);
  }
  m.legs += 1;
  m.billed_seconds += d.billedSeconds;
  m.pool_seconds += d.poolSeconds;
  m.charge_micros += d.chargeMicros;
  if (d.paidBy === 'subscription') m.subscription_legs += 1;
  if (d.paidBy === 'pool') m.pool_legs += 1;
  if (d.paidBy === 'credits') m.credits_legs += 1;
  if (d.paidBy === 'addon') m.addon_legs += 1;
  if (d.flags.length > 0) m.flagged_legs += 1;
  if (r.startAt < m.first_start_at) m.first_start_at = r.startAt;
  if (r.endAt && (m.last_end_at === null || r.endAt > m.last_end_at)) m.last_end_at = r.endAt;
}

