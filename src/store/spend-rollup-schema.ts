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

/**
 * The same sums per organizer and UTC day (the cards' top organizers). A NULL organizer is ''. Beside them, from
 * 0018 on, the toll-fraud guard's figures of the organizer's day (src/fraud/recent-history.ts): it keys organizers as
 * the rules do (the directory's id; the UPN of an organizer known only by it), so a row can hold only the guard's
 * figures, with legs = 0, which spend readers leave out.
 */
export interface SpendDailyOrganizerTable {
  tenant_id: string;
  day: string;
  organizer_id: string;
  legs: number;
  charge_micros: number;
  billed_seconds: number;
  /** Seconds and number of the organizer's rated dial-outs (with a number) that started that day. */
  dialout_seconds: number;
  dialout_legs: number;
  /** Dial-out seconds per UTC hour of the day, the hours with any: "9:1800 10:3600" (recent-history.ts hoursText). */
  hour_seconds: string;
  /** Seconds of the organizer's dial-outs that started in the night that began on this date (the organizer's local date). */
  night_seconds: number;
}

export interface SpendRollupTables {
  spend_daily: SpendDailyTable;
  spend_daily_organizer: SpendDailyOrganizerTable;
}
