import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * 0005_fraud_guard: the toll-fraud guard's tables (see src/fraud/). The rollups are what the rules need, kept up to
 * date in the transaction that settles the legs, so checking a leg reads a few rows and never scans legs.
 */
export const fraudGuardMigration: Migration = {
  async up(db: Kysely<any>) {
    // A tenant's thresholds, rules and blocking switch as JSON (src/fraud/fraud-settings.ts). No row = the defaults.
    await db.schema
      .createTable('fraud_settings')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('fraud_settings_pk', ['tenant_id'])
      .execute();

    // Per organizer and UTC day: the dial-out seconds and legs that day (the 28-day baseline is a sum over 28 rows),
    // per UTC hour of it ("9:1800 10:3600", the hours with any; a leg is spread over the hours it spans), and started
    // in the organizer's night that began on that (local) date. One row per organizer and day keeps intake's writes few.
    await db.schema
      .createTable('fraud_organizer_days')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('organizer_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('dialout_seconds', 'bigint', (c) => c.notNull())
      .addColumn('dialout_legs', 'integer', (c) => c.notNull())
      .addColumn('hour_seconds', 'text', (c) => c.notNull())
      .addColumn('night_seconds', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('fraud_organizer_days_pk', ['tenant_id', 'organizer_id', 'day'])
      .execute();
    // Short connected dial-outs per number range (a number without its last digits) and UTC day.
    await db.schema
      .createTable('fraud_range_days')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('number_range', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('short_calls', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('fraud_range_days_pk', ['tenant_id', 'number_range', 'day'])
      .execute();
    // Every country the tenant has dialed out to, with the start of the first call.
    await db.schema
      .createTable('fraud_countries')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('first_call_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('fraud_countries_pk', ['tenant_id', 'country'])
      .execute();

    await db.schema
      .createTable('fraud_incidents')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('organizer_id', 'text', (c) => c.notNull())
      .addColumn('organizer_upn', 'text')
      .addColumn('organizer_name', 'text')
      .addColumn('pattern', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('legs', 'integer', (c) => c.notNull())
      .addColumn('dialout_seconds', 'bigint', (c) => c.notNull())
      .addColumn('cost_micros', 'bigint', (c) => c.notNull())
      .addColumn('first_leg_at', 'text', (c) => c.notNull())
      .addColumn('last_leg_at', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('block_target', 'text', (c) => c.notNull())
      // What the incident is about, one key per line (the country, the night, the day, the number range): dismissing
      // it keeps those quiet for the organizer, while another night or another country opens a new incident.
      .addColumn('episodes', 'text', (c) => c.notNull())
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_by', 'text')
      .addPrimaryKeyConstraint('fraud_incidents_pk', ['tenant_id', 'id'])
      .execute();
    // One open incident per organizer and pattern, whoever settles the legs: the database says so, not the code.
    await db.schema
      .createIndex('fraud_incidents_one_open')
      .unique()
      .on('fraud_incidents')
      .columns(['tenant_id', 'organizer_id', 'pattern'])
      .where(sql.ref('status'), '=', sql.lit('open'))
      .execute();
    await db.schema.createIndex('fraud_incidents_status').on('fraud_incidents').columns(['tenant_id', 'status', 'last_leg_at']).execute();
    await db.schema
      .createTable('fraud_incident_legs')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('incident_id', 'text', (c) => c.notNull())
      .addColumn('leg_id', 'text', (c) => c.notNull())
      .addColumn('conference_id', 'text')
      .addColumn('start_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('fraud_incident_legs_pk', ['tenant_id', 'incident_id', 'leg_id'])
      .execute();

    // Destinations authorize refuses for the tenant: a country ("NG") or a number prefix ("+449").
    await db.schema
      .createTable('fraud_block_list')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('incident_id', 'text')
      .addPrimaryKeyConstraint('fraud_block_list_pk', ['tenant_id', 'target'])
      .execute();

    await backfillFraudRollups(db);
  },
};

/**
 * Legs settled before the guard existed: the countries each tenant called, and each organizer's dial-out seconds and
 * legs per day, so baselines and known countries are there from the first chunk (without them, every country not
 * called in the first two weeks would look new). Hours and nights start with the guard: they need each organizer's
 * time zone and matter only for recent legs. Legs that named their organizer only by UPN are left out. Rows that
 * exist already are kept (the guard wrote them).
 */
export async function backfillFraudRollups(db: Kysely<any>): Promise<void> {
  await sql`INSERT INTO fraud_countries (tenant_id, country, first_call_at)
    SELECT tenant_id, destination_country, MIN(start_at) FROM legs
    WHERE call_type = 'conf_out' AND status = 'rated' AND destination_country IS NOT NULL
    GROUP BY tenant_id, destination_country
    ON CONFLICT (tenant_id, country) DO NOTHING`.execute(db);
  await sql`INSERT INTO fraud_organizer_days (tenant_id, organizer_id, day, dialout_seconds, dialout_legs, hour_seconds, night_seconds)
    SELECT tenant_id, organizer_id, SUBSTR(start_at, 1, 10), SUM(duration_seconds), COUNT(*), '', 0 FROM legs
    WHERE call_type = 'conf_out' AND status = 'rated' AND organizer_id IS NOT NULL
    GROUP BY tenant_id, organizer_id, SUBSTR(start_at, 1, 10)
    ON CONFLICT (tenant_id, organizer_id, day) DO NOTHING`.execute(db);
}

/**
 * The guard's narrow, many-row tables that intake writes in every chunk, with the primary key each has on SQLite from
 * 0011 on (the same columns as 0005's, so the same rows are unique).
 *
 * SQLite stores an ordinary table twice: the rows in a B-tree by rowid and the primary key in an index of its own, so
 * each new row went into two B-trees and each upsert looked its row up in the index and then in the table. WITHOUT
 * ROWID stores the rows in the primary key's B-tree itself: one B-tree, one lookup (SQLite's advice fits them: a
 * non-integer primary key and rows much smaller than a page).
 *
 * The organizer-day rows are keyed by day before organizer: nearly every dial-out of a normal month starts its
 * organizer's day row, and keyed by organizer first a chunk's new rows went into every organizer's pages (a chunk of
 * the synthetic month spans about 5 days of 200 organizers), each a page for the commit to write whole; by day they
 * go to the end of the B-tree, into a few pages. Measured on the synthetic month (4 tenants, 98,513 legs, SQLite),
 * what the guard adds to what a run writes (this process's write bytes, the WAL): +42 MB before, +40 MB as WITHOUT
 * ROWID alone, +7.7 MB keyed by day. An organizer's 28-day baseline is then one look-up per day (fraud-store.ts).
 */
export const FRAUD_WITHOUT_ROWID_KEYS = {
  fraud_organizer_days: { was: ['tenant_id', 'organizer_id', 'day'], is: ['tenant_id', 'day', 'organizer_id'] },
  fraud_range_days: { was: ['tenant_id', 'number_range', 'day'], is: ['tenant_id', 'number_range', 'day'] },
  fraud_countries: { was: ['tenant_id', 'country'], is: ['tenant_id', 'country'] },
  fraud_incident_legs: { was: ['tenant_id', 'incident_id', 'leg_id'], is: ['tenant_id', 'incident_id', 'leg_id'] },
} as const;
export const FRAUD_WITHOUT_ROWID_TABLES = Object.keys(FRAUD_WITHOUT_ROWID_KEYS) as (keyof typeof FRAUD_WITHOUT_ROWID_KEYS)[];

/**
 * 0011_fraud_without_rowid: on SQLite, the tables above as WITHOUT ROWID with their new keys (same columns, same rows);
 * PostgreSQL has no rowid, and its heap takes new rows at its end anyway: left as it is. SQLite cannot change a table
 * in place: each is rebuilt from the definition it has (so columns added since 0005 come along), its rows copied, the
 * old one dropped and the new one renamed, its other indexes recreated.
 */
export const fraudWithoutRowidMigration: Migration = {
  async up(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) return;
    for (const table of FRAUD_WITHOUT_ROWID_TABLES) await rebuildSqliteTable(db, table, FRAUD_WITHOUT_ROWID_KEYS[table].is, true);
  },
  async down(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) return;
    for (const table of FRAUD_WITHOUT_ROWID_TABLES) await rebuildSqliteTable(db, table, FRAUD_WITHOUT_ROWID_KEYS[table].was, false);
  },
};

/** SQLite: the table rebuilt with this primary key, as WITHOUT ROWID or not, keeping its columns, rows and indexes. */
async function rebuildSqliteTable(db: Kysely<any>, table: string, key: readonly string[], withoutRowid: boolean): Promise<void> {
  const schema = await sql<{ type: string; sql: string | null }>`SELECT type, sql FROM sqlite_master WHERE tbl_name = ${table}`.execute(db);
  const create = schema.rows.find((r) => r.type === 'table')?.sql;
  // The definition as SQLite keeps it: CREATE TABLE "name" (…, constraint "name_pk" primary key (…)) [WITHOUT ROWID].
  const definition = create && /^CREATE TABLE "[a-z_]+" (\(.*, constraint "[a-z_]+" primary key )\(("[a-z_]+"(?:, "[a-z_]+")*)\)\)( WITHOUT ROWID)?$/is.exec(create);
  if (!definition) throw new Error(`0011_fraud_without_rowid: unexpected definition of ${table}: ${create}`);
  const indexes = schema.rows.filter((r) => r.type === 'index' && r.sql !== null).map((r) => r.sql!);
  const rebuilt = `${table}_rebuilt`;
  const primaryKey = key.map((c) => `"${c}"`).join(', ');
  await sql.raw(`CREATE TABLE "${rebuilt}" ${definition[1]}(${primaryKey}))${withoutRowid ? ' WITHOUT ROWID' : ''}`).execute(db);
  await sql.raw(`INSERT INTO "${rebuilt}" SELECT * FROM "${table}"`).execute(db);
  await sql.raw(`DROP TABLE "${table}"`).execute(db);
  await sql.raw(`ALTER TABLE "${rebuilt}" RENAME TO "${table}"`).execute(db);
  for (const index of indexes) await sql.raw(index).execute(db);
}

/**
 * 0015_fraud_days_by_day: on PostgreSQL the organizer-day rows' primary key becomes (tenant, day, organizer), the key
 * 0011 gave them on SQLite, for the same reason: nearly every dial-out of a normal month starts its organizer's day
 * row, and keyed by organizer first a chunk's few hundred new rows each went to a leaf of their own organizer's
 * (a chunk of the synthetic month spans about 5 days of 200 organizers); by day they go to the right end of the
 * tenant's part of the index, into a few leaves. Measured alone (51 chunks of 322 new rows, the fraud-guard
 * benchmark's month): the inserts' server CPU 138 -> 105 ms per run. Same columns, so the same rows are unique, and
 * ON CONFLICT (tenant_id, organizer_id, day) still names this key (PostgreSQL matches its columns as a set). The reads
 * of a range of days (fraud-store.ts) go by day; an organizer's baseline is one look-up per day. SQLite: nothing
 * (0011 did it).
 */
export const fraudDaysByDayMigration: Migration = {
  async up(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) await rekeyPostgresDays(db, FRAUD_WITHOUT_ROWID_KEYS.fraud_organizer_days.is);
  },
  async down(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) await rekeyPostgresDays(db, FRAUD_WITHOUT_ROWID_KEYS.fraud_organizer_days.was);
  },
};

async function rekeyPostgresDays(db: Kysely<any>, key: readonly string[]): Promise<void> {
  // One statement: the table is never without its key, and a failure leaves the old one.
  await sql`ALTER TABLE fraud_organizer_days DROP CONSTRAINT fraud_organizer_days_pk,
    ADD CONSTRAINT fraud_organizer_days_pk PRIMARY KEY (${sql.join(key.map((c) => sql.id(c)))})`.execute(db);
}

/** The guard's organizer-day figures, as columns of spend_daily_organizer from 0018 on (and of fraud_organizer_days before). */
const GUARD_DAY_COLUMNS = ['dialout_seconds', 'dialout_legs', 'hour_seconds', 'night_seconds'] as const;

/**
 * 0018_fraud_days_in_spend: the guard's organizer-day figures (dial-out seconds and legs, seconds per UTC hour, seconds
 * started in the night) become columns of spend_daily_organizer, the spend rollup intake already writes per tenant, UTC
 * day and organizer in every chunk, and fraud_organizer_days goes. The same key, so the same rows; nearly every
 * organizer-day with dial-outs has a spend row anyway, and writing a row was most of the guard's cost to intake (one
 * narrow new row per organizer and day: 16,900 rows a month for 98,500 legs on its benchmark). Intake now writes the
 * guard's figures in the spend rollup's own upsert (spend-rollup-store.ts). A row the guard adds to and the spend
 * rollup does not (a call's hours after midnight, a night that began the day before, an organizer known only by UPN)
 * has legs = 0, which every spend reader leaves out. Rows are moved, not recomputed; down moves them back.
 */
export const fraudDaysInSpendMigration: Migration = {
  async up(db: Kysely<any>) {
    const table = db.schema.alterTable('spend_daily_organizer');
    await table.addColumn('dialout_seconds', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await table.addColumn('dialout_legs', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await table.addColumn('hour_seconds', 'text', (c) => c.notNull().defaultTo('')).execute();
    await table.addColumn('night_seconds', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    const guard = sql.join(GUARD_DAY_COLUMNS.map((c) => sql.id(c)));
    // WHERE true: SQLite's parser needs it between an INSERT's SELECT and its ON CONFLICT.
    await sql`INSERT INTO spend_daily_organizer (tenant_id, day, organizer_id, legs, charge_micros, billed_seconds, ${guard})
      SELECT tenant_id, day, organizer_id, 0, 0, 0, ${guard} FROM fraud_organizer_days WHERE true
      ON CONFLICT (tenant_id, day, organizer_id) DO UPDATE SET
        ${sql.join(GUARD_DAY_COLUMNS.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}`.execute(db);
    await db.schema.dropTable('fraud_organizer_days').execute();
  },
  async down(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    // As 0005 made it, with the key 0011 (SQLite, WITHOUT ROWID) and 0015 (PostgreSQL) gave it.
    await sql.raw(
      'CREATE TABLE "fraud_organizer_days" ("tenant_id" text not null, "organizer_id" text not null, "day" text not null, ' +
        '"dialout_seconds" bigint not null, "dialout_legs" integer not null, "hour_seconds" text not null, "night_seconds" bigint not null, ' +
        `constraint "fraud_organizer_days_pk" primary key ("tenant_id", "day", "organizer_id"))${postgres ? ' WITH (fillfactor = 70)' : ' WITHOUT ROWID'}`,
    ).execute(db);
    const guard = sql.join(GUARD_DAY_COLUMNS.map((c) => sql.id(c)));
    await sql`INSERT INTO fraud_organizer_days (tenant_id, organizer_id, day, ${guard})
      SELECT tenant_id, organizer_id, day, ${guard} FROM spend_daily_organizer
      WHERE dialout_legs > 0 OR night_seconds > 0 OR hour_seconds <> ''`.execute(db);
    // Rows only the guard had: the spend rollup never had them.
    await sql`DELETE FROM spend_daily_organizer WHERE legs = 0`.execute(db);
    for (const c of GUARD_DAY_COLUMNS) await db.schema.alterTable('spend_daily_organizer').dropColumn(c).execute();
  },
};
