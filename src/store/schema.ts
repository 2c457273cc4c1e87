import type { FraudTables } from './fraud-schema';
import type { SpendRollupTables } from './spend-rollup-schema';

/**
 * The tables, as Kysely sees them. Every primary key starts with tenant_id and every query is scoped by it.
 * Money columns are integer micro-units (BIGINT). Timestamps are ISO-8601 UTC strings (sortable as text on both engines).
 */
export interface TenantsTable {
  tenant_id: string;
  name: string;
  country: string;
  currency: string;
  billing_mode: 'prepaid' | 'postpaid';
  pool_licenses: number;
  global_dial_out_policy: string;
  auto_recharge_trigger_micros: number | null;
  auto_recharge_amount_micros: number | null;
  low_balance_alert_micros: number | null;
  /** Cached: always equals the sum of the tenant's ledger entries (checked by the invariant). */
  balance_micros: number;
  /** Sequence number of the tenant's last ledger entry. */
  last_entry_seq: number;
  /** Cumulative amount of all funding lots so far (FIFO expiry arithmetic). */
  funded_total_micros: number;
  /** Sequence number of the tenant's last settled leg: the order legs drew on the pool. */
  last_leg_seq: number;
  created_at: string;
}

export interface UsersTable {
  tenant_id: string;
  aad_object_id: string;
  upn: string | null;
  upn_lower: string | null;
  display_name: string | null;
  usage_location: string;
  /** ';'-separated SKU part names. */
  licenses: string;
  dial_out_policy: string | null;
  toll_free_dial_in: number;
  is_admin: number;
  updated_at: string;
}

export interface RatesTable {
  /** '*' is the default card every tenant without its own uses. */
  tenant_id: string;
  kind: string;
  prefix: string;
  country: string;
  effective_from: string;
  description: string;
  per_minute_micros: number;
  connection_fee_micros: number;
  increment_seconds: number;
  currency: string;
}

export interface LegsTable {
  tenant_id: string;
  id: string;
  call_id: string | null;
  call_type: string;
  status: 'rated' | 'ignored';
  conference_id: string | null;
  organizer_id: string | null;
  organizer_upn: string | null;
  organizer_name: string | null;
  callee_number: string | null;
  caller_number: string | null;
  toll_free: number;
  destination_country: string | null;
  start_at: string;
  end_at: string | null;
  duration_seconds: number;
  paid_by: string | null;
  billed_seconds: number;
  pool_seconds: number;
  credit_seconds: number;
  charge_micros: number;
  rate_per_minute_micros: number | null;
  connection_fee_micros: number;
  flags: string;
  ms_charge_micros: number | null;
  ms_connection_charge_micros: number | null;
  ms_currency: string | null;
  ms_license_capability: string | null;
  ms_inventory_type: string | null;
  /** The user's usage location as the imported row gave it (Graph usageCountryCode, the export's User Location). */
  ms_usage_location: string | null;
  /** Microsoft's own Domestic/International label, when the imported row carried one (Graph destinationContext). */
  ms_destination_context: string | null;
  content_hash: string;
  settled_seq: number;
  created_at: string;
}

export interface LedgerEntriesTable {
  tenant_id: string;
  seq: number;
  kind: 'funding' | 'auto_recharge' | 'charge' | 'refund' | 'adjustment' | 'expiry';
  amount_micros: number;
  balance_after_micros: number;
  memo: string | null;
  actor: string | null;
  leg_id: string | null;
  /** The settled_seq of the leg leg_id names (its entries are found by it: migration 0010). */
  leg_seq: number | null;
  created_at: string;
}

export interface FundingLotsTable {
  tenant_id: string;
  /** The seq of the ledger entry that funded this lot. */
  entry_seq: number;
  amount_micros: number;
  /** funded_total_micros after this lot: the lot covers (cumulative_end - amount, cumulative_end]. */
  cumulative_end_micros: number;
  purchased_at: string;
  expires_at: string;
  expired_at: string | null;
}

export interface PoolUsageTable {
  tenant_id: string;
  month: string;
  used_seconds: number;
}

export interface MeetingsTable {
  tenant_id: string;
  conference_id: string;
  organizer_id: string | null;
  legs: number;
  billed_seconds: number;
  pool_seconds: number;
  charge_micros: number;
  subscription_legs: number;
  pool_legs: number;
  credits_legs: number;
  addon_legs: number;
  flagged_legs: number;
  first_start_at: string;
  last_end_at: string | null;
  updated_at: string;
}

export interface IngestKeysTable {
  tenant_id: string;
  key_id: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AuditLogTable {
  tenant_id: string;
  id: string;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

export interface ConversationRefsTable {
  tenant_id: string;
  conversation_id: string;
  conversation_type: string;
  user_id: string | null;
  reference: string;
  updated_at: string;
}

export interface OutboxTable {
  tenant_id: string;
  id: string;
  kind: string;
  dedupe_key: string;
  payload: string;
  status: 'pending' | 'sending' | 'done' | 'dead';
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
}

export interface MeetingCardsTable {
  tenant_id: string;
  conference_id: string;
  meeting_id: string;
  organizer_id: string;
  title: string | null;
  ended_at: string | null;
  /**
   * The occurrence's legs (migration 0017): those of the conference that started after `legs_after` and no later
   * than `legs_until`. A recurring meeting's occurrences share one conference; each end gets a card of its own, whose
   * row takes the place of the previous occurrence's. Null (a card from before): every leg of the conference.
   */
  legs_after?: string | null;
  legs_until?: string | null;
  conversation_id: string | null;
  activity_id: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * What Teams and Graph said of a meeting when it started (bot/meeting-end.ts): its organizer and dial-in conference,
 * so the meeting's end, when its cost card is awaited, need not ask them again. Kept a few days after the start.
 */
export interface MeetingStartsTable {
  tenant_id: string;
  meeting_id: string;
  organizer_id: string;
  conference_id: string;
  title: string | null;
  join_url: string | null;
  /** When Tollgate got the start event (its clock): what old rows are pruned by. */
  started_at: string;
}

/** One row per tenant: where its Graph getPstnCalls sync stands (see src/graph/pstn-calls-sync.ts). */
export interface GraphSyncCursorsTable {
  tenant_id: string;
  /** The range of the run in progress, or of the last run. */
  range_from: string | null;
  range_to: string | null;
  /** The window in progress (at most 90 days); null when no run is in progress. */
  window_from: string | null;
  window_to: string | null;
  /** The page of that window to fetch next (Graph's @odata.nextLink); null = the window's first page. */
  next_link: string | null;
  /** End of the time synced without gaps: where the next run without a range starts. */
  synced_to: string | null;
  last_error: string | null;
  /** Which sync run holds the tenant, and until when (ISO-8601 UTC). */
  lease_owner: string | null;
  lease_until: string | null;
  updated_at: string;
}

/** The toll-fraud guard's tables are declared beside their migration (fraud-schema.ts). */
export interface Database extends FraudTables, SpendRollupTables {
  tenants: TenantsTable;
  users: UsersTable;
  rates: RatesTable;
  legs: LegsTable;
  ledger_entries: LedgerEntriesTable;
  funding_lots: FundingLotsTable;
  pool_usage: PoolUsageTable;
  meetings: MeetingsTable;
  ingest_keys: IngestKeysTable;
  audit_log: AuditLogTable;
  conversation_refs: ConversationRefsTable;
  outbox: OutboxTable;
  meeting_cards: MeetingCardsTable;
  /** Earlier occurrences' posted cards of a recurring meeting (migration 0017): the same columns. */
  meeting_card_occurrences: MeetingCardsTable;
  meeting_starts: MeetingStartsTable;
  graph_sync_cursors: GraphSyncCursorsTable;
  report_keys: ReportKeysTable;
  advisor_settings: AdvisorSettingsTable;
}

/** The license advisor's per-tenant setting (see src/advisor/). */
export interface AdvisorSettingsTable {
  tenant_id: string;
  /** What one Audio Conferencing subscription license costs a month, micro-units of the tenant's currency. */
  subscription_price_micros: number;
  updated_at: string;
}

/**
 * The secret that signs report download links, one per deployment: every replica must verify a link another one
 * made, and the tenant is part of what is signed, so it is one row keyed by a constant name, not per tenant.
 */
export interface ReportKeysTable {
  key_name: string;
  secret: string;
  created_at: string;
}
