import { buildMeetingCostCard } from '../../../src/bot/cards/meeting-cost-card';
import { meetingCostStatus } from '../../../src/reconciliation/meeting-status';
import { cardText } from './card-check';
import { salesCallLegs, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

describe('meeting cost card: estimated, then final', () => {
  it("final once every call carries Microsoft's charge", () => {
    const estimated = salesCallLegs();
    const reconciled = estimated.map((l) => ({ ...l, microsoftChargeMicros: l.chargeMicros }));
    const before = buildMeetingCostCard({ conferenceId: '583920174', legs: estimated, status: meetingCostStatus(estimated) }, userCtx);
    const after = buildMeetingCostCard({ conferenceId: '583920174', legs: reconciled, status: meetingCostStatus(reconciled) }, userCtx);
    expectValidCard(before);
    expectValidCard(after);
    expect(cardText(before)).toContain('ESTIMATED');
    expect(cardText(before)).toContain('Status: estimated.');
    expect(cardText(after)).toContain('FINAL');
    expect(cardText(after)).toContain("Status: final, reconciled with Microsoft's billed call records.");
    expect(cardText(after)).not.toContain('ESTIMATED');
    expect(after.body).toContainEqual(
      expect.objectContaining({ type: 'ColumnSet', columns: expect.arrayContaining([expect.objectContaining({ items: [expect.objectContaining({ text: 'FINAL', color: 'Good' })] })]) }),
    );
  });
});
