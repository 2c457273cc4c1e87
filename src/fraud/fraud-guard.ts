import { randomUUID } from 'node:crypto';
import { formatMoney } from '../billing/money';
import type { RateCard } from '../billing/rate-card';
import type { OrganizerProfile } from '../billing/rate-leg';
import { reasonMessage } from '../billing/reasons';
import { adminIdsOf, bootstrapUpns, enqueueAdminNotices, listAdminIds } from '../notify/admin-notices';
import type { Logger } from '../observability/logger';
import type { Store, Tx } from '../store/database';
import {
  listBlockList,
  loadBaseline,
  loadDaysAndRanges,
  loadGuardBasics,
  loadGuardState,
  openAndDismissedIncidents,
  pruneRollups,
  saveChunk,
  type FraudIncidentRow,
  type IncidentDelta,
  type IncidentKeys,
  type IncidentRows,
  type OrganizerDayRow,
  type PrefetchedIncidents,
  type RangeDayRow,
  type RollupRows,
} from '../store/fraud-store';
import type { GuardDayFigures } from '../store/spend-rollup-store';
import type { LegRow } from '../store/leg-store';
import { canonicalInstant, type CallRecord } from '../usage/call-record';
import type { BeforeRatingHook, SettledLegsHook } from '../usage/intake';
import type { StatementPipeline } from '../store/statement-pipeline';
import type { TenantRow } from '../store/tenant-store';
import { PATTERN_WORDS, type FraudPattern } from './fraud-patterns';
import { parseStoredSettings, ruleEnabled, type FraudSettings } from './fraud-settings';
import {
  addDays,
  BASELINE_DAYS,
  DAY_MS,
  dayOf,
  coversNeeds,
  emptyHistoryRows,
  historyNeeds,
  hoursFromText,
  hoursText,
  includesAll,
  isShortCall,
  key,
  legFacts,
  numberRange,
  RecentHistory,
  type DialOut,
  type HistoryNeeds,
  type HistoryRows,
  type LegFacts,
} from './recent-history';
import { blockedBy, checkDialOut, episodeOf, needsBaseline, type CheckContext, type FraudMatch } from './rules';

/** The admin notice kind of a new incident (src/notify/admin-notices.ts): its key is the incident id. */
export const FRAUD_INCIDENT_NOTICE = 'fraud_incident';

/**
 * How long the short-call counts (per number range and day) are kept, in days before today (UTC): the rules look back
 * BASELINE_DAYS, and a year of late legs (an admin center export, say) still finds its days' counts. Older rows are
 * deleted once a UTC day per tenant. The organizers' day figures are columns of the spend rollup (migration 0018),
 * which reports read for any period: kept as long as it is. The countries called and the incidents are kept.
 */
export const ROLLUP_KEPT_DAYS = 400;

interface Matched {
  leg: DialOut;
  /** The leg as stored: a new incident takes its organizer's UPN and name from it. */
  row: LegRow;
  facts: LegFacts;
  match: FraudMatch;
}

/**
 * The toll-fraud guard where legs come in: after a chunk of legs is settled, inside the same transaction, it adds the
 * chunk's dial-outs to the rollups the rules read, checks each one against the rules, and opens or extends one
 * incident per organizer and pattern (a new incident's card is queued for every admin in the same transaction).
 * Nothing here refuses a leg: settlement records what happened; authorize is where calls are refused.
 *
 * Per chunk it reads once (the settings, the countries, and the organizers' days and short-call counts its legs touch
 * under the settings the tenant's last chunk saw; again when those changed) and writes once; it reads an organizer's
 * baseline only above the minutes_spike floors, and the incidents of the organizers with matching legs only when
 * there are some. What its legs added to their organizers' days it hands back to intake, which adds it to the
 * organizers' spend rows in the upsert it makes of them anyway (one row write per organizer and day for both: the
 * guard's own row per organizer-day was most of its cost to intake).
 */
export class FraudGuard {
  private readonly bootstrapAdmins: readonly string[];
  /** The TOLLGATE_ADMINS entries that are UPNs (lower case): read with the chunk's first read. */
  private readonly adminUpns: readonly string[];
  /** Per tenant: the settings its last chunk read (as stored, and parsed), which the next chunk assumes. */
  private readonly knownSettings = new Map<string, KnownSettings>();
  /** Per chunk transaction: the read beforeRating sent, under which settings, for which rows. */
  private readonly prefetched = new WeakMap<Tx, Prefetched>();
  /** Per tenant: the UTC day this process last pruned its short-call counts (ROLLUP_KEPT_DAYS). */
  private readonly prunedOn = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    options: { bootstrapAdmins?: readonly string[] } = {},
  ) {
    this.bootstrapAdmins = options.bootstrapAdmins ?? [];
    this.adminUpns = bootstrapUpns(this.bootstrapAdmins);
  }

  /**
   * Intake's before-rating hook (src/usage/intake.ts), PostgreSQL only: sends the chunk's first read (settings,
   * countries, and the organizers' days and short-call counts its dial-outs can touch) ahead of the legs' COPY, so that
   * its answer is here when onSettled starts and onSettled's work runs while the server still stores the chunk's legs.
   * The rows are chosen from the records without working out their facts (readAheadNeeds): this runs before rating,
   * when the server has nothing to do but wait for it. They are those of every rated dial-out record with a number (a
   * superset of the legs onSettled checks: rating drops none of them but a number it cannot place); onSettled reads
   * again if they do not cover its legs after all. On SQLite the store is in this process: nothing to overlap, so
   * nothing is read early.
   */
  readonly beforeRating: BeforeRatingHook = async (tx, tenant, records, organizers, writes) => {
    if (this.store.sqlite) return;
    const known = this.knownSettings.get(tenant.tenant_id) ?? DEFAULT_SETTINGS;
    const needs = readAheadNeeds(records, tenant, organizers, known.settings);
    if (!needs) return;
    await writes.send(() => {
      const state = loadGuardState(this.store, tx, tenant.tenant_id, ...storeNeeds(needs), this.adminUpns);
      this.prefetched.set(tx, { settingsText: known.text, needs, state });
      return state;
    });
  };

  /**
   * Intake's settled-legs hook (see src/usage/intake.ts): the chunk's legs, as stored, in settlement order. Returns
   * what they added to their organizers' days, for intake's spend rollup.
   */
  readonly onSettled: SettledLegsHook = async (tx, tenant, legs, organizers, rateCard, at, writes) => {
    const prefetched = this.prefetched.get(tx);
    this.prefetched.delete(tx);
    const tenantId = tenant.tenant_id;
    // The legs' facts (and so the rows to read) depend on the settings: those of the tenant's last chunk are assumed,
    // and read with the rows in one statement (sent before rating when beforeRating ran); when they changed since,
    // the rows are read again for the new facts.
    let known = this.knownSettings.get(tenantId) ?? DEFAULT_SETTINGS;
    // What beforeRating read, under the same settings: it serves when it covers the rows these legs need.
    const early = prefetched?.settingsText === known.text ? prefetched : undefined;
    const dialOuts: DialOut[] = [];
    const dialOutRows: LegRow[] = [];
    let checked: { leg: DialOut; facts: LegFacts }[] = [];
    for (const row of legs) {
      if (row.call_type !== 'conf_out' || row.status !== 'rated' || !row.destination_country || !row.callee_number) continue;
      const leg = dialOutOf(row, tenant, organizers);
      checked.push({ leg, facts: legFacts(leg, known.settings) });
      dialOuts.push(leg);
      dialOutRows.push(row);
    }
    if (dialOuts.length === 0) return;
    const needs = historyNeeds(checked, { allRanges: false });
    const state = early && coversNeeds(early.needs, needs) ? await early.state : await loadGuardState(this.store, tx, tenantId, ...storeNeeds(needs), this.adminUpns);
    let loaded: Pick<typeof state, 'days' | 'ranges'> = state;
    if (state.settings !== known.text) {
      known = { text: state.settings, settings: parseStoredSettings(state.settings) };
      checked = dialOuts.map((leg) => ({ leg, facts: legFacts(leg, known.settings) }));
      loaded = await loadDaysAndRanges(this.store, tx, tenantId, ...storeNeeds(historyNeeds(checked, { allRanges: false })));
    }
    if (this.knownSettings.size >= 10_000) this.knownSettings.clear();
    this.knownSettings.set(tenantId, known);
    const settings = known.settings;
    if (ruleEnabled(settings, 'premium_rate')) findRatePrefixes(rateCard, dialOuts, settings);
    const history = new RecentHistory(historyRows(loaded, state.countries));
    const matches: Matched[] = [];
    const context: CheckContext = { settings, tenantCountry: tenant.country, mode: 'settle' };
    for (let i = 0; i < checked.length; i++) {
      const { leg, facts } = checked[i]!;
      history.record(leg, facts);
      // Most legs never need the organizer's baseline: only those above the minutes_spike floors wait for a read.
      if (!history.hasBaseline(leg.organizerKey, facts.day) && needsBaseline(leg, facts, history, settings)) {
        history.setBaseline(leg.organizerKey, facts.day, await loadBaseline(this.store, tx, tenantId, leg.organizerKey, facts.day, addDays(facts.day, -BASELINE_DAYS)));
      }
      for (const match of checkDialOut(leg, facts, history, context)) matches.push({ leg, row: dialOutRows[i]!, facts, match });
    }
    const incidents = matches.length === 0 ? { opened: [], extended: [], legs: [] } : await this.incidentRows(tx, tenantId, matches, at, state.incidents);
    // Sent, not waited for (intake's pipeline): on PostgreSQL waiting here would leave the server idle while this
    // process then works out the organizers' days and intake their spend rows.
    const rollups = rollupRows(tenantId, history);
    const save = () => saveChunk(this.store, tx, tenantId, rollups, incidents);
    await (writes ? writes.send(save) : save());
    if (incidents.opened.length > 0) await this.notify(tx, tenantId, incidents.opened, at, state.admins, writes);
    await this.pruneOncePerDay(tx, tenantId, at, writes);
    return { organizerDays: organizerDays(tenantId, history) };
  };

  /**
   * The tenant's short-call rows older than ROLLUP_KEPT_DAYS go, at its first chunk of a UTC day in this process (after
   * the chunk's own rows, so none older than that stays behind). Should the chunk fail, its transaction takes the
   * deletion back with it, and it waits for the next day: a day more of rows, nothing lost.
   */
  private async pruneOncePerDay(tx: Tx, tenantId: string, at: string, writes: StatementPipeline | undefined): Promise<void> {
    const today = at.slice(0, 10);
    if (this.prunedOn.get(tenantId) === today) return;
    const prune = () => pruneRollups(this.store, tx, tenantId, addDays(today, -ROLLUP_KEPT_DAYS));
    await (writes ? writes.send(prune) : prune());
    if (this.prunedOn.size >= 10_000) this.prunedOn.clear();
    this.prunedOn.set(tenantId, today);
  }

  /**
   * One incident per organizer and pattern: the chunk's matching legs extend the organizer's open one, or open one.
   * Episodes an admin dismissed before stay quiet. The organizers' incidents come with the chunk's first read on
   * PostgreSQL (`known`, read under the tenant's lock like the rest of the chunk); they are read here when it did not
   * cover every organizer with a match.
   */
  private async incidentRows(tx: Tx, tenantId: string, matches: Matched[], at: string, known: PrefetchedIncidents | undefined): Promise<IncidentRows> {
    const organizerIds = [...new Set(matches.map((m) => m.leg.organizerKey))];
    const read = known && includesAll(known.organizerIds, organizerIds) ? known.rows : await openAndDismissedIncidents(this.store, tx, tenantId, organizerIds);
    const open = new Map<string, IncidentKeys>();
    const dismissed = new Set<string>();
    for (const i of read) {
      if (i.status === 'open') open.set(key(i.organizer_id, i.pattern), i);
      else for (const e of i.episodes.split('\n')) dismissed.add(key(key(i.organizer_id, i.pattern), e));
    }

    // firstRow: the group's first leg as stored; only a new incident needs it (its organizer's UPN and name).
    interface Group { organizer: string; pattern: FraudPattern; legs: Map<string, DialOut>; firstRow: LegRow; last: FraudMatch; episodes: Set<string>; firstMs: number; lastMs: number }
    const groups = new Map<string, Group>();
    for (const { leg, row, facts, match } of matches) {
      const episode = episodeOf(match, facts);
      const groupKey = key(leg.organizerKey, match.pattern);
      if (dismissed.has(key(groupKey, episode))) continue;
      let g = groups.get(groupKey);
      if (!g) groups.set(groupKey, (g = { organizer: leg.organizerKey, pattern: match.pattern, legs: new Map(), firstRow: row, last: match, episodes: new Set(), firstMs: leg.startMs, lastMs: leg.startMs }));
      g.legs.set(leg.legId, leg);
      g.episodes.add(episode);
      if (leg.startMs >= g.lastMs) {
        g.lastMs = leg.startMs;
        g.last = match;
      }
      g.firstMs = Math.min(g.firstMs, leg.startMs);
    }

    const rows: IncidentRows = { opened: [], extended: [], legs: [] };
    for (const [groupKey, g] of groups) {
      const members = [...g.legs.values()];
      const totals: Pick<IncidentDelta, 'legs' | 'dialout_seconds' | 'cost_micros' | 'first_leg_at' | 'last_leg_at' | 'detail' | 'block_target' | 'updated_at'> = {
        legs: members.length,
        dialout_seconds: members.reduce((s, l) => s + l.durationSeconds, 0),
        cost_micros: members.reduce((s, l) => s + l.chargeMicros, 0),
        first_leg_at: new Date(g.firstMs).toISOString(),
        last_leg_at: new Date(g.lastMs).toISOString(),
        detail: JSON.stringify(g.last.detail),
        block_target: g.last.blockTarget,
        updated_at: at,
      };
      const existing = open.get(groupKey);
      let incidentId: string;
      if (existing) {
        incidentId = existing.id;
        const episodes = new Set([...existing.episodes.split('\n').filter(Boolean), ...g.episodes]);
        rows.extended.push({ ...totals, id: incidentId, episodes: [...episodes].join('\n') });
      } else {
        incidentId = randomUUID();
        const first = g.firstRow;
        rows.opened.push({
          ...totals,
          tenant_id: tenantId,
          id: incidentId,
          organizer_id: g.organizer,
          organizer_upn: first.organizer_upn ?? null,
          organizer_name: first.organizer_name ?? null,
          pattern: g.pattern,
          status: 'open',
          episodes: [...g.episodes].join('\n'),
          actions: '',
          opened_at: at,
          resolved_at: null,
          resolved_by: null,
        });
      }
      for (const l of members) rows.legs.push({ tenant_id: tenantId, incident_id: incidentId, leg_id: l.legId, conference_id: l.conferenceId, start_at: new Date(l.startMs).toISOString() });
    }
    return rows;
  }

  /**
   * A new incident's card goes to every admin, queued in the transaction that opens it: the chunk's new incidents in
   * one statement (a chunk can open several; one statement per incident was a round trip each).
   */
  private async notify(tx: Tx, tenantId: string, opened: FraudIncidentRow[], at: string, directoryAdmins: readonly string[] | undefined, writes: StatementPipeline | undefined): Promise<void> {
    // The admins came with the chunk's first read on PostgreSQL (loadGuardState), and the notices go out without this
    // process waiting for them: a new incident's id is new, so every admin's notice is queued.
    const adminIds = directoryAdmins ? adminIdsOf(directoryAdmins, this.bootstrapAdmins) : await listAdminIds(tx, tenantId, this.bootstrapAdmins);
    const enqueue = () => enqueueAdminNotices(tx, { tenantId, notice: FRAUD_INCIDENT_NOTICE, keys: opened.map((i) => i.id), adminIds, at });
    let queuedPer: number[] | undefined;
    if (writes) await writes.send(enqueue);
    else queuedPer = await enqueue();
    for (const [n, i] of opened.entries()) {
      const queued = queuedPer?.[n] ?? adminIds.length;
      this.logger.warn(
        { tenantId, incidentId: i.id, organizerId: i.organizer_id, pattern: i.pattern, legs: i.legs, costMicros: i.cost_micros, adminsNotified: queued },
        `suspected toll fraud: ${PATTERN_WORDS[i.pattern as FraudPattern].title.toLowerCase()}`,
      );
    }
  }
}

/** What the chunk's dial-outs added to their organizers' days: intake adds it to their spend rows (spend-rollup-store.ts). */
function organizerDays(tenantId: string, history: RecentHistory): GuardDayFigures[] {
  const days: GuardDayFigures[] = [];
  for (const [organizer_id, day, d, hours] of history.addedDays()) {
    days.push({ tenant_id: tenantId, organizer_id, day, dialout_seconds: d.seconds, dialout_legs: d.legs, hour_seconds: hoursText(hours), night_seconds: d.night });
  }
  return days;
}

function rollupRows(tenantId: string, history: RecentHistory): RollupRows {
  return {
    ranges: [...history.added.shortCalls].map(([k, short_calls]) => {
      const [number_range, day] = k.split('\u0000') as [string, string];
      return { tenant_id: tenantId, number_range, day, short_calls };
    }),
    countries: [...history.added.countries].map(([country, ms]) => ({ tenant_id: tenantId, country, first_call_at: new Date(ms).toISOString() })),
  };
}

/** The rate card row behind each over-the-ceiling rate: its prefix is what "block destination" blocks. */
function findRatePrefixes(card: RateCard, dialOuts: DialOut[], settings: FraudSettings): void {
  for (const d of dialOuts) {
    if (d.ratePerMinuteMicros === null || d.ratePerMinuteMicros <= settings.rateCeilingMicros) continue;
    const rate = card.find('conf_out', { digits: d.digits, country: d.destinationCountry }, new Date(d.startMs));
    if (rate?.prefix) d.ratePrefix = rate.prefix;
  }
}

/** E.164 digits of a number as stored ("+4420…" → "4420…"; anything else without its non-digits). */
function digitsOf(number: string): string {
  // Once per dial-out settled: stored numbers are E.164, whose digits are all but the "+", so no regular expression.
  if (number.charCodeAt(0) !== 43 || number.length < 2) return number.replace(/\D/g, '');
  for (let i = 1; i < number.length; i++) {
    const c = number.charCodeAt(i);
    if (c < 48 || c > 57) return number.replace(/\D/g, '');
  }
  return number.slice(1);
}

/** The organizer a leg or record names, as the rules key it, and the country whose night it keeps. */
function organizerOf(id: string | null, upn: string | null, tenant: TenantRow, organizers: ReadonlyMap<string, OrganizerProfile>): { key: string; country: string } {
  const profile = (id ? organizers.get(id) : undefined) ?? (upn ? organizers.get(upn.toLowerCase()) : undefined);
  return { key: profile?.id ?? id ?? upn?.toLowerCase() ?? '(unknown organizer)', country: profile?.usageLocation ?? tenant.country };
}

/**
 * The rows to read ahead for a chunk's dial-out records, worked out without their facts (legFacts: the organizer's
 * time zone, the hours, the night), which would keep the server waiting for the read: the organizers; every day from
 * two before the first start (a leg's night can have begun on the day before the day before its UTC date: 12 hours
 * behind UTC, just after midnight local) to one after the last start (a night can begin on the local date after it,
 * 14 hours ahead) or the day of the last end (the hours a leg spans); and the range and day of every short call. A
 * superset of historyNeeds for the legs they become, which onSettled checks (coversNeeds).
 */
export function readAheadNeeds(records: readonly CallRecord[], tenant: TenantRow, organizers: ReadonlyMap<string, OrganizerProfile>, settings: FraudSettings): HistoryNeeds | undefined {
  const ids = new Set<string>();
  const ranges = new Map<string, [string, string]>();
  let firstStart = Infinity;
  let lastStart = -Infinity;
  let lastEnd = -Infinity;
  for (const r of records) {
    if (r.callType !== 'conf_out' || !r.rated || !r.calleeNumber) continue;
    ids.add(organizerOf(r.organizerId, r.organizerUpn, tenant, organizers).key);
    if (r.startMs < firstStart) firstStart = r.startMs;
    if (r.startMs > lastStart) lastStart = r.startMs;
    const end = r.startMs + r.durationSeconds * 1000;
    if (end > lastEnd) lastEnd = end;
    if (isShortCall(r.durationSeconds, settings)) {
      const range = numberRange(digitsOf(r.calleeNumber), settings);
      const day = dayOf(r.startMs);
      ranges.set(key(range, day), [range, day]);
    }
  }
  if (ids.size === 0) return undefined;
  return { organizers: [...ids], dayRange: [dayOf(firstStart - 2 * DAY_MS), dayOf(Math.max(lastEnd, lastStart + DAY_MS))], ranges: [...ranges.values()] };
}

function dialOutOf(leg: LegRow, tenant: TenantRow, organizers: ReadonlyMap<string, OrganizerProfile>): DialOut {
  const organizer = organizerOf(leg.organizer_id, leg.organizer_upn, tenant, organizers);
  return {
    legId: leg.id,
    organizerKey: organizer.key,
    organizerCountry: organizer.country,
    // Stored start times are canonical (toISOString's form): read without Date.parse, which reads them the same.
    startMs: canonicalInstant(leg.start_at) ?? Date.parse(leg.start_at),
    durationSeconds: Number(leg.duration_seconds),
    destinationCountry: leg.destination_country!,
    digits: digitsOf(leg.callee_number!),
    ratePerMinuteMicros: leg.rate_per_minute_micros === null ? null : Number(leg.rate_per_minute_micros),
    chargeMicros: Number(leg.charge_micros),
    conferenceId: leg.conference_id,
  };
}

interface KnownSettings {
  text: string | null;
  settings: FraudSettings;
}

interface Prefetched {
  /** The settings the rows were chosen under (the tenant's last chunk's). */
  settingsText: string | null;
  needs: HistoryNeeds;
  state: ReturnType<typeof loadGuardState>;
}

const DEFAULT_SETTINGS: KnownSettings = { text: null, settings: parseStoredSettings(null) };

/** The day rows and short-call counts to read for these needs, as the store takes them. */
function storeNeeds(needs: HistoryNeeds): [days: Parameters<typeof loadDaysAndRanges>[3], ranges: HistoryNeeds['ranges']] {
  return [needs.dayRange ? { fromDay: needs.dayRange[0], toDay: needs.dayRange[1], organizerIds: needs.organizers } : undefined, needs.ranges];
}

/** Reads the rollup rows these legs can touch (baselines come later, for the few organizers that need one). */
async function loadHistory(
  store: Store,
  tx: Tx,
  tenantId: string,
  needs: HistoryNeeds,
  countries: readonly { country: string; first_call_at: string }[],
): Promise<HistoryRows> {
  return historyRows(await loadDaysAndRanges(store, tx, tenantId, ...storeNeeds(needs)), countries);
}

function historyRows(loaded: { days: readonly OrganizerDayRow[]; ranges: readonly RangeDayRow[] }, countries: readonly { country: string; first_call_at: string }[]): HistoryRows {
  const rows = emptyHistoryRows();
  for (const c of countries) rows.countries.set(c.country, Date.parse(c.first_call_at));
  for (const r of loaded.days) {
    rows.days.set(key(r.organizer_id, r.day), { seconds: Number(r.dialout_seconds), legs: Number(r.dialout_legs), hours: hoursFromText(r.hour_seconds), night: Number(r.night_seconds) });
  }
  for (const r of loaded.ranges) rows.shortCalls.set(key(r.number_range, r.day), Number(r.short_calls));
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Real time: authorize

export type Screening =
  | { ok: true; suspected: FraudPattern[] }
  | { ok: false; reason: 'destination_blocked' | 'suspected_toll_fraud'; message: string; suspected: FraudPattern[] };

/**
 * A dial-out about to be placed: refused when its destination is on the tenant's block list (always), or when it
 * continues a pattern under way and the tenant turned blocking on; otherwise allowed, with what it looks like.
 */
export async function screenDialOut(
  store: Store,
  tenant: TenantRow,
  call: { organizer: OrganizerProfile | undefined; organizerId: string; digits: string; destinationCountry: string; ratePerMinuteMicros: number | null; at: Date },
): Promise<Screening> {
  const tenantId = tenant.tenant_id;
  const tx = store.db;
  const blocked = blockedBy((await listBlockList(tx, tenantId)).map((b) => b.target), { digits: call.digits, country: call.destinationCountry });
  if (blocked) {
    return { ok: false, reason: 'destination_blocked', message: `${reasonMessage('destination_blocked')} (block list entry ${blocked})`, suspected: [] };
  }
  const basics = await loadGuardBasics(store, tx, tenantId);
  const settings = parseStoredSettings(basics.settings);
  const leg: DialOut = {
    legId: '(authorize)',
    organizerKey: call.organizer?.id ?? call.organizerId,
    organizerCountry: call.organizer?.usageLocation ?? tenant.country,
    startMs: call.at.getTime(),
    durationSeconds: 0,
    destinationCountry: call.destinationCountry,
    digits: call.digits,
    ratePerMinuteMicros: call.ratePerMinuteMicros,
    chargeMicros: 0,
    conferenceId: null,
  };
  const facts = legFacts(leg, settings);
  const history = new RecentHistory(await loadHistory(store, tx, tenantId, historyNeeds([{ leg, facts }], { allRanges: true }), basics.countries));
  if (needsBaseline(leg, facts, history, settings)) {
    history.setBaseline(leg.organizerKey, facts.day, await loadBaseline(store, tx, tenantId, leg.organizerKey, facts.day, addDays(facts.day, -BASELINE_DAYS)));
  }
  const matches = checkDialOut(leg, facts, history, { settings, tenantCountry: tenant.country, mode: 'probe' });
  const suspected = [...new Set(matches.map((m) => m.pattern))];
  if (suspected.length === 0 || !settings.blocking) return { ok: true, suspected };
  const why = matches.map((m) => screeningWords(m, tenant.currency)).join('; ');
  return { ok: false, reason: 'suspected_toll_fraud', message: `${reasonMessage('suspected_toll_fraud')} (${why})`, suspected };
}

function screeningWords(m: FraudMatch, currency: string): string {
  const d = m.detail;
  switch (d.pattern) {
    case 'premium_rate':
      return `rate ${formatMoney(d.ratePerMinuteMicros, currency)}/min is above the ${formatMoney(d.ceilingMicros, currency)}/min ceiling`;
    case 'minutes_spike':
      return `${d.minutes} dial-out minutes this ${d.window}, above the limit of ${d.limitMinutes}`;
    case 'new_country':
      return `${d.country} was never called before`;
    case 'short_call_burst':
      return `${d.shortCalls} short calls to +${d.range}… today`;
    case 'night_hours':
      return `${d.nightMinutes} dial-out minutes tonight, ${d.localTime} in ${d.timeZone}`;
  }
}
