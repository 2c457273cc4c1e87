import { loadConfig } from '../../src/config/config';
import { connectorTimeoutFor } from '../../src/notify/messenger';

/** The two settings a replica set is tuned with: the pool size and the outbox lease (and the timeout it implies). */
describe('replica settings', () => {
  it('default to a pool of 10 and a 60 s lease', () => {
    expect(loadConfig({})).toMatchObject({ ok: true, config: { databasePoolMax: 10, outboxLeaseMs: 60_000 } });
    expect(loadConfig({ DATABASE_POOL_MAX: '4', OUTBOX_LEASE_SECONDS: '6' })).toMatchObject({ ok: true, config: { databasePoolMax: 4, outboxLeaseMs: 6_000 } });
  });

  it.each([
    ['DATABASE_POOL_MAX', '0'],
    ['DATABASE_POOL_MAX', 'many'],
    ['OUTBOX_LEASE_SECONDS', '3'],
    ['OUTBOX_LEASE_SECONDS', '1.5'],
  ])('refuse %s=%s, naming it', (name, value) => {
    const r = loadConfig({ [name]: value });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(new RegExp(`^${name}: `));
  });

  it('time a connector request out at a quarter of the lease, between 1 and 15 s', () => {
    expect(connectorTimeoutFor(60_000)).toBe(15_000);
    expect(connectorTimeoutFor(6_000)).toBe(1_500);
    expect(connectorTimeoutFor(4_000)).toBe(1_000);
    expect(connectorTimeoutFor(3_600_000)).toBe(15_000);
  });
});
