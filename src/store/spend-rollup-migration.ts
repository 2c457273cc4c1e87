import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0008_spend_rollup: what the usage and balance cards read, so they never scan a month of legs (a tenant with a
 * million legs a month took seconds per card). `spend_daily` and `spend_daily_organizer` are kept up to date in the
 * transaction that stores the legs (leg-store.ts insertLegs); this migration fills them from the legs already
 * stored. The meetings indexes serve the top meetings of a period (highest charge first), `meeting last` (an
 * organizer's latest) and `meetings`.
 */
export const spendRollupMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('spend_daily')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('call_type', 'text', (c) => c.notNull())
      .addColumn('toll_free', 'integer', (c) => c.notNull())
      .addColumn('destination_country', 'text', (c) => c.notNull())
      .addColumn('in_meeting', 'integer', (c) => c.notNull())
      .addColumn('legs', 'bigint', (c) => c.notNull())
      .addColumn('charge_micros', 'bigint', (c) => c.notNull())
      .addColumn('billed_seconds', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('spend_daily_pk', ['tenant_id', 'day', 'call_type', 'toll_free', 'destination_country', 'in_meeting'])
      .execute();
    await db.schema
      .createTable('spend_daily_organizer')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('organizer_id', 'text', (c) => c.notNull())
      .addColumn('legs', 'bigint', (c) => c.notNull())
      .addColumn('charge_micros', 'bigint', (c) => c.notNull())
      .addColumn('billed_seconds', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('spend_daily_organizer_pk', ['tenant_id', 'day', 'organizer_id'])
      .execute();
    // The same sums spend-rollup-store.ts adds leg by leg (a copy, not a call: a migration must not change later).
    await sql`
      INSERT INTO spend_daily (tenant_id, day, call_type, toll_free, destination_country, in_meeting, legs, charge_micros, billed_seconds)
      SELECT tenant_id, substr(start_at, 1, 10), call_type, toll_free, COALESCE(destination_country, ''),
        CASE WHEN conference_id IS NULL THEN 0 ELSE 1 END, COUNT(*), SUM(charge_micros), SUM(billed_seconds)
      FROM legs WHERE status = 'rated'
      GROUP BY tenant_id, substr(start_at, 1, 10), call_type, toll_free, COALESCE(destination_country, ''),
        CASE WHEN conference_id IS NULL THEN 0 ELSE 1 END`.execute(db);
    await sql`
      INSERT INTO spend_daily_organizer (tenant_id, day, organizer_id, legs, charge_micros, billed_seconds)
      SELECT tenant_id, substr(start_at, 1, 10), COALESCE(organizer_id, ''), COUNT(*), SUM(charge_micros), SUM(billed_seconds)
      FROM legs WHERE status = 'rated'
      GROUP BY tenant_id, substr(start_at, 1, 10), COALESCE(organizer_id, '')`.execute(db);

    await db.schema.createIndex('meetings_charge').on('meetings').columns(['tenant_id', 'charge_micros desc', 'conference_id']).execute();
    await db.schema.createIndex('meetings_latest').on('meetings').columns(['tenant_id', 'first_start_at desc', 'conference_id']).execute();
    await db.schema.createIndex('meetings_organizer_latest').on('meetings').columns(['tenant_id', 'organizer_id', 'first_start_at desc', 'conference_id']).execute();
  },
};
