import { DIAL_OUT_POLICIES } from '../../../src/billing/dial-out-policy';
import type { OrganizerProfile } from '../../../src/billing/rate-leg';
import { buildPolicyCard } from '../../../src/bot/cards/policy-card';
import { cardText } from './card-check';
import { adminCtx, LONG_NAME, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

const me = { displayName: 'Ana Costa', upn: 'ana.costa@contoso.com', isSelf: true };
const ana: OrganizerProfile = { id: 'aad-ana', usageLocation: 'DE', licenses: ['MCOMEETADV', 'MCOPSTNPP'], tollFreeDialIn: true };

describe('policy card', () => {
  it('the global policy in force, in plain words, with licenses in words', () => {
    const card = buildPolicyCard({ subject: me, organizer: ana, globalDialOutPolicy: 'DialoutCPCDomesticPSTNInternational' }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Your dial-out policy');
    expect(text).toContain('DialoutCPCDomesticPSTNInternational');
    expect(text).toContain("The organization's global policy: you have no policy of your own.");
    expect(text).toContain("Meetings can dial out only to numbers in Germany, the organizer's usage location.");
    expect(text).toContain('Calls from Teams to domestic and international numbers are allowed.');
    expect(text).toContain('On: callers can join by a toll-free number');
    expect(text).toContain('Audio Conferencing subscription');
    expect(text).toContain('Communications Credits');
    expect(text).not.toContain('Licenses on record');
  });

  it("a user's own policy, for an admin who asked about a colleague", () => {
    const jonas: OrganizerProfile = { id: 'aad-jonas', usageLocation: 'US', licenses: ['MCOMEETACPEA'], dialOutPolicy: 'DialoutCPCZoneAPSTNDisabled', tollFreeDialIn: false };
    const card = buildPolicyCard({ subject: { displayName: 'Jonas Weber', upn: null, isSelf: false }, organizer: jonas, globalDialOutPolicy: 'DialoutCPCandPSTNInternational' }, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Dial-out policy of Jonas Weber');
    expect(text).toContain('Assigned to Jonas Weber.');
    expect(text).toContain('Meetings can dial out only to numbers in the 44 Zone A countries and regions.');
    expect(text).toContain('No calls from Teams to phone numbers, except emergency calls.');
    expect(text).toContain('Off: calls to a toll-free number of these meetings fail');
    expect(text).toContain('Audio Conferencing pay-per-minute');
    expect(text).toContain('Licenses on record: MCOMEETACPEA');
  });

  it('licenses: none, subscription without credits, US/Canada add-on', () => {
    const none = cardText(buildPolicyCard({ subject: me, organizer: { ...ana, licenses: [] }, globalDialOutPolicy: 'DialoutCPCandPSTNInternational' }, userCtx));
    expect(none).toContain('No Audio Conferencing license');
    const noCredits = cardText(buildPolicyCard({ subject: me, organizer: { ...ana, licenses: ['SPE_E5', 'MCOEXTDIALOUT_USCA'] }, globalDialOutPolicy: 'DialoutCPCandPSTNInternational' }, userCtx));
    expect(noCredits).toContain('No Communications Credits license');
    expect(noCredits).toContain('US/Canada dial-out add-on');
  });

  it('a user Tollgate does not know, with a very long name', () => {
    const card = buildPolicyCard({ subject: { displayName: LONG_NAME, isSelf: false }, globalDialOutPolicy: 'DialoutCPCandPSTNDisabled' }, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain(LONG_NAME);
    expect(text).toContain('Tollgate has no record of');
    expect(text).toContain('Meetings cannot dial out.');
    expect(text).toContain('tollgate users import');
  });

  it.each(DIAL_OUT_POLICIES)('%s makes a valid card', (policy) => {
    expectValidCard(buildPolicyCard({ subject: me, organizer: { ...ana, dialOutPolicy: policy }, globalDialOutPolicy: 'DialoutCPCandPSTNInternational' }, userCtx));
  });
});
