import { meetingCostStatus, meetingCostStatusOf } from '../../src/reconciliation/meeting-status';

const rated = (microsoftChargeMicros: number | null) => ({ status: 'rated', microsoftChargeMicros });
const ignored = { status: 'ignored', microsoftChargeMicros: null };

describe("a meeting's cost status", () => {
  it("is estimated until every rated leg carries Microsoft's charge, then final", () => {
    expect(meetingCostStatus([rated(600_000), rated(null)])).toBe('estimated');
    expect(meetingCostStatus([rated(600_000), rated(0)])).toBe('final');
  });

  it('does not wait for legs that are not meeting calls', () => {
    expect(meetingCostStatus([rated(600_000), ignored])).toBe('final');
  });

  it('stays estimated with nothing to reconcile', () => {
    expect(meetingCostStatus([])).toBe('estimated');
    expect(meetingCostStatus([ignored])).toBe('estimated');
  });

  it('says the same from counts', () => {
    expect(meetingCostStatusOf({ ratedLegs: 2, legsWithMicrosoftCharge: 1 })).toBe('estimated');
    expect(meetingCostStatusOf({ ratedLegs: 2, legsWithMicrosoftCharge: 2 })).toBe('final');
    expect(meetingCostStatusOf({ ratedLegs: 0, legsWithMicrosoftCharge: 0 })).toBe('estimated');
  });
});
