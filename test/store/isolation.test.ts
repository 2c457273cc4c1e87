import pg from 'pg';
import { openStore } from '../../src/store/database';
import { silentLogger } from '../../src/observability/logger';
import { systemClock } from '../../src/time/clock';
import { createTollgate } from '../../src/tollgate';
import { POSTGRES_URL, createTestDatabase } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { scaled } from '../support/time-scale';

// Managed PostgreSQL services sometimes default to REPEATABLE READ. Tenant transactions lock the tenant row and
// then read what the previous lock holder committed, which needs READ COMMITTED: they must ask for it themselves.
(POSTGRES_URL ? describe : describe.skip)('PostgreSQL whose default isolation is REPEATABLE READ', () => {
  it('still imports overlapping batches from two stores at once, each leg once', async () => {
    const database = await createTestDatabase('postgres');
    const name = new URL(database.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${name} SET default_transaction_isolation = 'repeatable read'`);
    await admin.end();
    const a = await openStore(database.url);
    const b = await openStore(database.url);
    try {
      await setUpTenant(a, { fund: '1000' });
      const legs = Array.from({ length: 600 }, (_, i) => leg({ id: `iso-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 + i, start: `2026-11-0${1 + (i % 9)}T10:00:00Z` }));
      const ta = createTollgate(a, systemClock, silentLogger, { chunkSize: 50 });
      const tb = createTollgate(b, systemClock, silentLogger, { chunkSize: 50 });
      const [ra, rb] = await Promise.all([ta.intake.ingest(T, legs.slice(0, 400)), tb.intake.ingest(T, legs.slice(200).reverse())]);
      expect(ra.ok && rb.ok).toBe(true);
      if (!ra.ok || !rb.ok) return;
      expect(ra.value.accepted + rb.value.accepted).toBe(600);
      expect(ra.value.duplicates + rb.value.duplicates).toBe(200);
      expect((await ta.ledger.checkInvariant(T))?.ok).toBe(true);
      const charges = await a.db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', 'charge').executeTakeFirstOrThrow();
      expect(Number(charges.n)).toBe(600);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  }, scaled(60_000));
});
