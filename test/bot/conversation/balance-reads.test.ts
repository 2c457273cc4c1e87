import * as ledgerStore from '../../../src/store/ledger-store';
import * as tenantStore from '../../../src/store/tenant-store';
import type { Store } from '../../../src/store/database';
import type { FixedClock } from '../../../src/time/clock';
import type { Tollgate } from '../../../src/tollgate';
import { describeEachEngine, freshStore } from '../../support/engines';
import { T, USERS, setUpTenant } from '../../support/fixtures';
import { createHarness, type Harness, type Person } from '../support/bot-harness';

const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };

/**
 * A `balance` turn reads the tenant's row once (the turn's, handed to the ledger) and its open lots once (the due
 * ones are among them), not twice each; when lots are due, they expire and the balance is read afresh.
 */
describeEachEngine('bot balance: what a turn reads', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let h: Harness;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100' }));
    h = createHarness(tollgate);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await cleanup();
  });

  it('reads the tenant and the open lots once each', async () => {
    await h.say('balance', organizer);
    const tenants = jest.spyOn(tenantStore, 'findTenant');
    const open = jest.spyOn(ledgerStore, 'openLots');
    const due = jest.spyOn(ledgerStore, 'dueLots');
    const [card] = await h.say('balance', organizer);
    expect(card!.text).toContain('$100.00');
    expect(card!.text).toMatch(/\$100\.00 on/);
    expect([tenants.mock.calls.length, open.mock.calls.length, due.mock.calls.length]).toEqual([1, 1, 0]);
  });

  it('expires due lots and shows the balance after, not the row the turn read before', async () => {
    clock.set(new Date('2027-11-16T12:00:00Z'));
    const stale = await tenantStore.findTenant(store.db, T);
    const b = await tollgate.ledger.balance(T, stale);
    expect(b.ok && [b.value.balanceMicros, b.value.nextExpiry]).toEqual([0, null]);
    const [card] = await h.say('balance', organizer);
    expect(card!.text).toContain('$0.00');
  });
});
