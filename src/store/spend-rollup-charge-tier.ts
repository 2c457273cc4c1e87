import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A meeting's charge tier: its total charge rounded down to its first digit (1, 2, … 9 times a power of ten micros),
 * as one integer that grows with the charge: ten times the number of digits plus the first digit (5,000,000 micros
 * is 7 digits, first digit 5: 75; 12,345,678 is 81; 9,999,999 is 79). A charge of zero or less is tier 0. The same
 * text on both engines (SQLite and PostgreSQL both take it, and both match it to the index below only as written).
 */
export const CHARGE_TIER_SQL =
  'CASE WHEN charge_micros > 0 THEN length(CAST(charge_micros AS TEXT)) * 10 + CAST(substr(CAST(charge_micros AS TEXT), 1, 1) AS INTEGER) ELSE 0 END';
export const CHARGE_TIER = sql.raw(CHARGE_TIER_SQL);

/** chargeTier in JavaScript, for tests: what CHARGE_TIER_SQL gives for a charge (an integer number of micros). */
export function chargeTier(chargeMicros: number): number {
  if (!(chargeMicros > 0)) return 0;
  const digits = String(chargeMicros);
  return digits.length * 10 + Number(digits[0]);
}

/**
 * 0013_meetings_charge_tier: the top meetings by charge (meetingsByCharge, the usage card's top meetings) are read
 * through an index on the meeting's charge tier instead of its exact charge.
 *
 * meetings_charge (tenant, charge desc, conference) put every new meeting at a random place of the index (its charge
 * is anybody's), and moved a meeting on every upsert that changed its charge: on SQLite about 200 of the ~2,800 pages
 * a 2,000-leg chunk of intake writes (100,000 legs, bench/profile-intake.ts with PROFILE_WAL_FRAMES=1; 80 with this
 * index), on PostgreSQL an index entry at a random leaf per meeting. Within a tier the index is in order of the
 * meeting's first leg, so a new meeting goes to the end of its tier, one of the few dozen tiers a tenant's meetings
 * span, and a meeting whose charge grows within its tier stays where it is. Reads sort each tier they read by the
 * exact charge (SQLite: a temp B-tree for the right part of the ORDER BY; PostgreSQL: an incremental sort) and stop at
 * the limit: the same rows in the same order as before. The charge and the id are in the index so that a read never
 * goes to the table (SQLite: a covering index; PostgreSQL: an index-only scan where the visibility map allows):
 * without them, 250,000 meetings, the first 64 took 3.7 ms instead of 0.5 ms on SQLite, the first 16,384 200 ms
 * instead of 20 ms (meetings_charge: 0.1 and 11 ms).
 */
export const meetingsChargeTierMigration: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE INDEX meetings_charge_tier ON meetings (tenant_id, (${CHARGE_TIER}) DESC, first_start_at, charge_micros, conference_id)`.execute(db);
    await db.schema.dropIndex('meetings_charge').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.createIndex('meetings_charge').on('meetings').columns(['tenant_id', 'charge_micros desc', 'conference_id']).execute();
    await db.schema.dropIndex('meetings_charge_tier').execute();
  },
};
