import { Kysely, Migrator, PostgresAdapter, sql, type Migration, type MigrationProvider } from 'kysely';
import { fraudDaysByDayMigration, fraudDaysInSpendMigration, fraudGuardMigration, fraudWithoutRowidMigration } from './fraud-migration';
import { meetingsChargeTierMigration } from './spend-rollup-charge-tier';
import { meetingsOrganizerDayMigration } from './meetings-organizer-day';
import { spendRollupMigration } from './spend-rollup-migration';

/** 0010: see its comment; exported so that tests run its up and down on data stored before it. */
export const intakeLedgerLegSeqMigration: Migration = {
  // A leg's ledger entries (its charge, its refunds) found by the leg's settled_seq, which grows with every leg a
  // tenant stores, instead of by its id, which is random: every chunk of intake put its ~1,000 charge entries into
  // random pages of ledger_entries_leg (about 300 of the 3,100 pages a 2,000-leg chunk writes on SQLite); an index
  // on a growing key takes them at its end. legs.settled_seq is the leg's number in its tenant (unique, never 0).
  async up(db: Kysely<any>) {
    await db.schema.alterTable('ledger_entries').addColumn('leg_seq', 'bigint').execute();
    await sql`UPDATE ledger_entries SET leg_seq = (
      SELECT legs.settled_seq FROM legs WHERE legs.tenant_id = ledger_entries.tenant_id AND legs.id = ledger_entries.leg_id
    ) WHERE leg_id IS NOT NULL`.execute(db);
    await db.schema.createIndex('ledger_entries_leg_seq').on('ledger_entries').columns(['tenant_id', 'leg_seq']).where(sql.ref('leg_seq'), 'is not', null).execute();
    await db.schema.dropIndex('ledger_entries_leg').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.createIndex('ledger_entries_leg').on('ledger_entries').columns(['tenant_id', 'leg_id']).where(sql.ref('leg_id'), 'is not', null).execute();
    await db.schema.dropIndex('ledger_entries_leg_seq').execute();
    await db.schema.alterTable('ledger_entries').dropColumn('leg_seq').execute();
  },
};

/**
 * 0012: the Bot Framework turn state table goes. Tollgate keeps no turn state (its handlers read what they need from
 * the store), and teams-ai read the turn's scopes from it before every turn for nothing. Rows it may hold are the
 * framework's empty scopes; down brings the table back empty.
 */
export const noTurnStateMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropTable('bot_state').execute();
  },
  async down(db: Kysely<any>) {
    await createBotStateTable(db);
  },
};

/** The Bot Framework turn state table as 0002 made it (0012 drops it; its down makes it again). */
async function createBotStateTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bot_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

/**
 * One set of migrations for SQLite and PostgreSQL. Kysely's Migrator takes a lock, so several replicas starting
 * at once on one PostgreSQL apply each migration exactly once.
 * Column types are the portable subset: text, integer, bigint (SQLite gives both INTEGER affinity).
 */
const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenants')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('billing_mode', 'text', (c) => c.notNull().defaultTo('prepaid'))
        .addColumn('pool_licenses', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('global_dial_out_policy', 'text', (c) => c.notNull())
        .addColumn('auto_recharge_trigger_micros', 'bigint')
        .addColumn('auto_recharge_amount_micros', 'bigint')
        .addColumn('low_balance_alert_micros', 'bigint')
        .addColumn('balance_micros', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_entry_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('funded_total_micros', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_leg_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('aad_object_id', 'text', (c) => c.notNull())
        .addColumn('upn', 'text')
        .addColumn('upn_lower', 'text')
        .addColumn('display_name', 'text')
        .addColumn('usage_location', 'text', (c) => c.notNull())
        .addColumn('licenses', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('dial_out_policy', 'text')
        .addColumn('toll_free_dial_in', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'aad_object_id'])
        .execute();
      await db.schema.createIndex('users_upn').unique().on('users').columns(['tenant_id', 'upn_lower']).execute();

      await db.schema
        .createTable('rates')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('effective_from', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('per_minute_micros', 'bigint', (c) => c.notNull())
        .addColumn('connection_fee_micros', 'bigint', (c) => c.notNull())
        .addColumn('increment_seconds', 'integer', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('rates_pk', ['tenant_id', 'kind', 'prefix', 'country', 'effective_from'])
        .execute();

      await db.schema
        .createTable('legs')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('call_id', 'text')
        .addColumn('call_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('conference_id', 'text')
        .addColumn('organizer_id', 'text')
        .addColumn('organizer_upn', 'text')
        .addColumn('organizer_name', 'text')
        .addColumn('callee_number', 'text')
        .addColumn('caller_number', 'text')
        .addColumn('toll_free', 'integer', (c) => c.notNull())
        .addColumn('destination_country', 'text')
        .addColumn('start_at', 'text', (c) => c.notNull())
        .addColumn('end_at', 'text')
        .addColumn('duration_seconds', 'integer', (c) => c.notNull())
        .addColumn('paid_by', 'text')
        .addColumn('billed_seconds', 'integer', (c) => c.notNull())
        .addColumn('pool_seconds', 'integer', (c) => c.notNull())
        .addColumn('credit_seconds', 'integer', (c) => c.notNull())
        .addColumn('charge_micros', 'bigint', (c) => c.notNull())
        .addColumn('rate_per_minute_micros', 'bigint')
        .addColumn('connection_fee_micros', 'bigint', (c) => c.notNull())
        .addColumn('flags', 'text', (c) => c.notNull())
        .addColumn('ms_charge_micros', 'bigint')
        .addColumn('ms_connection_charge_micros', 'bigint')
        .addColumn('ms_currency', 'text')
        .addColumn('ms_license_capability', 'text')
        .addColumn('ms_inventory_type', 'text')
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('settled_seq', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('legs_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('legs_conference').on('legs').columns(['tenant_id', 'conference_id']).execute();
      await db.schema.createIndex('legs_start').on('legs').columns(['tenant_id', 'start_at']).execute();

      await db.schema
        .createTable('ledger_entries')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount_micros', 'bigint', (c) => c.notNull())
        .addColumn('balance_after_micros', 'bigint', (c) => c.notNull())
        .addColumn('memo', 'text')
        .addColumn('actor', 'text')
        .addColumn('leg_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_entries_pk', ['tenant_id', 'seq'])
        .execute();
      await db.schema.createIndex('ledger_entries_at').on('ledger_entries').columns(['tenant_id', 'created_at']).execute();

      await db.schema
        .createTable('funding_lots')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('entry_seq', 'bigint', (c) => c.notNull())
        .addColumn('amount_micros', 'bigint', (c) => c.notNull())
        .addColumn('cumulative_end_micros', 'bigint', (c) => c.notNull())
        .addColumn('purchased_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('expired_at', 'text')
        .addPrimaryKeyConstraint('funding_lots_pk', ['tenant_id', 'entry_seq'])
        .execute();

      await db.schema
        .createTable('pool_usage')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('used_seconds', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pool_usage_pk', ['tenant_id', 'month'])
        .execute();

      await db.schema
        .createTable('meetings')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conference_id', 'text', (c) => c.notNull())
        .addColumn('organizer_id', 'text')
        .addColumn('legs', 'integer', (c) => c.notNull())
        .addColumn('billed_seconds', 'bigint', (c) => c.notNull())
        .addColumn('pool_seconds', 'bigint', (c) => c.notNull())
        .addColumn('charge_micros', 'bigint', (c) => c.notNull())
        .addColumn('subscription_legs', 'integer', (c) => c.notNull())
        .addColumn('pool_legs', 'integer', (c) => c.notNull())
        .addColumn('credits_legs', 'integer', (c) => c.notNull())
        .addColumn('addon_legs', 'integer', (c) => c.notNull())
        .addColumn('flagged_legs', 'integer', (c) => c.notNull())
        .addColumn('first_start_at', 'text', (c) => c.notNull())
        .addColumn('last_end_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('meetings_pk', ['tenant_id', 'conference_id'])
        .execute();

      await db.schema
        .createTable('ingest_keys')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addPrimaryKeyConstraint('ingest_keys_pk', ['tenant_id', 'key_id'])
        .execute();
      // Keys are presented without their tenant: the key id alone must find them.
      await db.schema.createIndex('ingest_keys_key_id').unique().on('ingest_keys').column('key_id').execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_log_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').columns(['tenant_id', 'at']).execute();
    },
  },
  '0002_bot': {
    async up(db: Kysely<any>) {
      // Bot Framework turn state. Its keys are the framework's own (channel/bot/conversation or user), globally
      // unique and carrying no tenant, so this one table is keyed by them alone. (Dropped by 0012: unused.)
      await createBotStateTable(db);

      await db.schema
        .createTable('conversation_refs')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('conversation_type', 'text', (c) => c.notNull())
        /** For personal chats: the user the bot talks to. */
        .addColumn('user_id', 'text')
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_refs_pk', ['tenant_id', 'conversation_id'])
        .execute();
      await db.schema.createIndex('conversation_refs_user').on('conversation_refs').columns(['tenant_id', 'user_id']).execute();

      // The transactional outbox: a row commits with the event that caused it; workers on any replica claim rows,
      // deliver them, and retry with back-off. dedupe_key makes enqueuing the same event twice a no-op.
      await db.schema
        .createTable('outbox')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('done_at', 'text')
        .addPrimaryKeyConstraint('outbox_pk', ['tenant_id', 'id'])
        .execute();
      await db.schema.createIndex('outbox_dedupe').unique().on('outbox').columns(['tenant_id', 'dedupe_key']).execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();

      // The post-meeting card of each meeting: where it was sent, so late legs update it in place.
      await db.schema
        .createTable('meeting_cards')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conference_id', 'text', (c) => c.notNull())
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('organizer_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('conversation_id', 'text')
        .addColumn('activity_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('meeting_cards_pk', ['tenant_id', 'conference_id'])
        .execute();
    },
  },
  '0003_graph_sync': {
    async up(db: Kysely<any>) {
      // Where each tenant's Graph call-record sync stands: the run in progress (window and next page) so a stopped
      // sync resumes there, how far the tenant is synced without gaps, and a lease so one replica syncs it at a time.
      await db.schema
        .createTable('graph_sync_cursors')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('range_from', 'text')
        .addColumn('range_to', 'text')
        .addColumn('window_from', 'text')
        .addColumn('window_to', 'text')
        .addColumn('next_link', 'text')
        .addColumn('synced_to', 'text')
        .addColumn('last_error', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('graph_sync_cursors_pk', ['tenant_id'])
        .execute();
    },
  },
  '0004_report_keys': {
    async up(db: Kysely<any>) {
      // The secret of signed report links: one per deployment, shared by every replica (a single row keyed by a
      // constant name; the tenant is inside what each link signs, so a per-tenant key would add nothing).
      await db.schema
        .createTable('report_keys')
        .addColumn('key_name', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('report_keys_pk', ['key_name'])
        .execute();
    },
  },
  '0005_fraud_guard': fraudGuardMigration,
  '0006_advisor': {
    async up(db: Kysely<any>) {
      // The license advisor's tenant setting: what one Audio Conferencing subscription license costs a month, in the
      // tenant's currency (admin-set: Microsoft's price depends on the agreement). No row = not set yet.
      await db.schema
        .createTable('advisor_settings')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('subscription_price_micros', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('advisor_settings_pk', ['tenant_id'])
        .execute();
    },
  },
  '0007_digest': {
    async up(db: Kysely<any>) {
      // What an imported Graph or admin-center row said of the leg's user (usageCountryCode, "User Location") and of
      // the call (destinationContext, "Domestic/International"): the export writes them back as Microsoft had them.
      // Nullable: legs stored before, and rows that carried neither.
      await db.schema.alterTable('legs').addColumn('ms_usage_location', 'text').execute();
      await db.schema.alterTable('legs').addColumn('ms_destination_context', 'text').execute();
    },
  },
  '0008_spend_rollup': spendRollupMigration,
  '0009_meeting_lookups': {
    async up(db: Kysely<any>) {
      // A meeting's legs in start order (its cost card, `meeting`): by conference and already in order, instead of
      // the tenant's legs by start time filtered to the conference. Replaces legs_conference, its prefix, so intake
      // keeps the same number of leg indexes.
      await db.schema.createIndex('legs_conference_start').on('legs').columns(['tenant_id', 'conference_id', 'start_at', 'id']).execute();
      await db.schema.dropIndex('legs_conference').execute();
      // A leg's charge entry (the balance after a meeting, a leg's refunds): found by leg instead of walking the
      // tenant's ledger back from its latest entry. Only entries that name a leg are indexed.
      await db.schema.createIndex('ledger_entries_leg').on('ledger_entries').columns(['tenant_id', 'leg_id']).where(sql.ref('leg_id'), 'is not', null).execute();
      // PostgreSQL: room on each page for the new versions of rows that every chunk of legs updates in place (the
      // toll-fraud guard's and the spend rollups' per-day rows, none of whose indexed columns change), so the updates
      // can be HOT: no new index entries, less to vacuum. Measured on the fraud-guard benchmark: the server's share
      // of the guard's cost fell from +13 to +15 % to +3 to +9 %. Affects pages written from now on.
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        for (const table of ['fraud_organizer_days', 'fraud_range_days', 'spend_daily', 'spend_daily_organizer']) {
          await sql`ALTER TABLE ${sql.table(table)} SET (fillfactor = 70)`.execute(db);
        }
      }
    },
  },
  '0010_intake_ledger_leg_seq': intakeLedgerLegSeqMigration,
  '0011_fraud_without_rowid': fraudWithoutRowidMigration,
  '0012_no_turn_state': noTurnStateMigration,
  '0013_meetings_charge_tier': meetingsChargeTierMigration,
  '0014_meetings_organizer_day': meetingsOrganizerDayMigration,
  '0015_fraud_days_by_day': fraudDaysByDayMigration,
  '0016_meeting_starts': {
    async up(db: Kysely<any>) {
      // A meeting's organizer and dial-in conference, looked up when it starts (Teams' meeting info, Graph's online
      // meeting) so that its end, when the organizer waits for the cost card, does not wait for them again.
      await db.schema
        .createTable('meeting_starts')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('organizer_id', 'text', (c) => c.notNull())
        .addColumn('conference_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('join_url', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('meeting_starts_pk', ['tenant_id', 'meeting_id'])
        .execute();
      // Old rows are pruned by age, per tenant.
      await db.schema.createIndex('meeting_starts_started').on('meeting_starts').columns(['tenant_id', 'started_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('meeting_starts').execute();
    },
  },
  '0017_meeting_card_occurrences': {
    async up(db: Kysely<any>) {
      // Each occurrence of a recurring meeting (one dial-in conference for the whole series) gets a card of its own:
      // the card's row says which of the conference's legs are this occurrence's (bot/meeting-end.ts). Nullable: a
      // card from before covers every leg of its conference, as it did.
      await db.schema.alterTable('meeting_cards').addColumn('legs_after', 'text').execute();
      await db.schema.alterTable('meeting_cards').addColumn('legs_until', 'text').execute();
      // The posted cards of earlier occurrences, whose rows a later occurrence took over: their late legs and
      // Microsoft's figures still redraw them. Pruned per conference when a later occurrence ends (35 days).
      await db.schema
        .createTable('meeting_card_occurrences')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conference_id', 'text', (c) => c.notNull())
        .addColumn('meeting_id', 'text', (c) => c.notNull())
        .addColumn('organizer_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('ended_at', 'text', (c) => c.notNull())
        .addColumn('legs_after', 'text')
        .addColumn('legs_until', 'text')
        .addColumn('conversation_id', 'text')
        .addColumn('activity_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('meeting_card_occurrences_pk', ['tenant_id', 'conference_id', 'ended_at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('meeting_card_occurrences').execute();
      await db.schema.alterTable('meeting_cards').dropColumn('legs_until').execute();
      await db.schema.alterTable('meeting_cards').dropColumn('legs_after').execute();
    },
  },
  '0018_fraud_days_in_spend': fraudDaysInSpendMigration,
  '0019_users_admins': {
    async up(db: Kysely<any>) {
      // A tenant's admins (a handful among thousands of users): the fraud guard reads them with every chunk's first
      // read on PostgreSQL (fraud-store.ts loadGuardState), the admin notices when they are queued.
      await db.schema.createIndex('users_admins').on('users').column('tenant_id').where(sql.ref('is_admin'), '=', 1).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('users_admins').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}

/**
 * Migrates down, with each later migration's own down (those without one only forget they ran), until `name` is the
 * last one applied: how tests put a database back to what a migration found, to run its up on older data.
 */
export async function migrateDownTo(db: Kysely<any>, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateTo(name);
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration down failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}
