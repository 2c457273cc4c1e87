import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { balanceAfterMeeting } from '../../src/store/leg-store';
import { openStore, type Tx } from '../../src/store/database';
import { createTestDatabase } from '../support/engines';

/**
 * balanceAfterMeeting is one statement, a join of the meeting's legs to their charge entries. SQLite must run it
 * from the legs by conference to the entries by leg_seq: the other way round (or by the ledger's primary key) walks
 * the tenant's whole ledger, hundreds of milliseconds per card at a million legs. Its results on both engines are
 * checked in meeting-lookups.test.ts; this checks the plan of the very statement it sends.
 */
describe('balanceAfterMeeting (SQLite query plan)', () => {
  it('reads legs by conference, then their entries by leg_seq, and nothing else', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const store = await openStore(db.url);
      await store.close();
      const sqlite = new Database(db.url.slice('sqlite:'.length));
      const sent: CompiledQuery[] = [];
      const kysely = new Kysely<never>({
        dialect: new SqliteDialect({ database: sqlite }),
        log: (e) => {
          if (e.level === 'query') sent.push(e.query);
        },
      });
      expect(await balanceAfterMeeting(kysely as unknown as Tx, 't', 'c')).toBeNull();
      expect(sent).toHaveLength(1);
      const plan = sqlite
        .prepare(`EXPLAIN QUERY PLAN ${sent[0]!.sql}`)
        .all(...(sent[0]!.parameters as unknown[]))
        .map((r) => (r as { detail: string }).detail);
      expect(plan).toHaveLength(2);
      expect(plan[0]).toMatch(/^SEARCH l USING (COVERING )?INDEX legs_conference_start \(tenant_id=\? AND conference_id=\?\)/);
      expect(plan[1]).toMatch(/^SEARCH e USING INDEX ledger_entries_leg_seq \(tenant_id=\? AND leg_seq=\?\)/);
      await kysely.destroy();
    } finally {
      await db.drop();
    }
  });
});
