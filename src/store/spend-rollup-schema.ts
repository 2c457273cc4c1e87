/** The spend rollups (migration 0008_spend_rollup, src/store/spend-rollup-migration.ts), as Kysely sees them. */

/**
 * Rated legs summed per tenant, UTC day of their start and what the usage and balance cards split them by: call
 * type, toll-free, destination country, in a meeting or not. A leg's NULL country is '' here (primary key columns
 * cannot be NULL). No organizer: with it a day's cells would be nearly as many as its legs in a large tenant.
 */
export interface SpendDailyTable {
  tenant_id: string;
  /** YYYY-MM-DD of the leg's start_at. */
  day: string;
  call_type: string;
  toll_free: number;
  destination_country: string;
  /** 1 when the leg has a conference id (it belongs to a row of `meetings`), else 0. */
  in_meeting: number;
  legs: number;
  charge_micros: number;
  billed_seconds: number;
}

/** The same sums per organizer and UTC day (the cards' top organizers). A NULL organizer is ''. */
export interface SpendDailyOrganizerTable {
  tenant_id: string;
  day: string;
  organizer_id: string;
  legs: number;
  charge_micros: number;
  billed_seconds: number;
}

export interface SpendRollupTables {
  spend_daily: SpendDailyTable;
  spend_daily_organizer: SpendDailyOrganizerTable;
}
