import { balanceAfterMeeting } from '../../src/store/leg-store';
import { sqlitePlansOf } from '../support/query-plans';

/**
 * balanceAfterMeeting is one statement, a join of the meeting's legs to their charge entries. SQLite must run it
 * from the legs by conference to the entries by leg_seq: the other way round (or by the ledger's primary key) walks
 * the tenant's whole ledger, hundreds of milliseconds per card at a million legs. Its results on both engines are
 * checked in meeting-lookups.test.ts; this checks the plan of the very statement it sends.
 */
describe('balanceAfterMeeting (SQLite query plan)', () => {
  it('reads legs by conference, then their entries by leg_seq, and nothing else', async () => {
    const { result, plans } = await sqlitePlansOf((tx) => balanceAfterMeeting(tx, 't', 'c'));
    expect(result).toBeNull();
    expect(plans).toHaveLength(1);
    const plan = plans[0]!;
    expect(plan).toHaveLength(2);
    expect(plan[0]).toMatch(/^SEARCH l USING (COVERING )?INDEX legs_conference_start \(tenant_id=\? AND conference_id=\?\)/);
    expect(plan[1]).toMatch(/^SEARCH e USING INDEX ledger_entries_leg_seq \(tenant_id=\? AND leg_seq=\?\)/);
  });
});
