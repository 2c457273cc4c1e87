/**
 * A meeting's cost is 'estimated' while it rests on Tollgate's own rating alone, and 'final' once it has been
 * reconciled with Microsoft's billed rows: every rated leg of the meeting carries Microsoft's own charge (ignored
 * legs, which are not meeting calls, do not count). A meeting with no rated legs has nothing to reconcile and
 * stays estimated. Whether the two agree is the reconciliation report's business, not the status's.
 */
export type MeetingCostStatus = 'estimated' | 'final';

export interface LegReconciliationState {
  status: string;
  microsoftChargeMicros: number | null;
}

export function meetingCostStatus(legs: readonly LegReconciliationState[]): MeetingCostStatus {
  const rated = legs.filter((l) => l.status === 'rated');
  return rated.length > 0 && rated.every((l) => l.microsoftChargeMicros !== null) ? 'final' : 'estimated';
}

/** The same rule from counts, as the store reports them. */
export function meetingCostStatusOf(counts: { ratedLegs: number; legsWithMicrosoftCharge: number }): MeetingCostStatus {
  return counts.ratedLegs > 0 && counts.legsWithMicrosoftCharge >= counts.ratedLegs ? 'final' : 'estimated';
}
