import {
  checkMeetingDialOut,
  DEFAULT_DIAL_OUT_POLICY,
  describePolicy,
  DIAL_OUT_POLICIES,
  findDialOutPolicy,
  isDialOutPolicy,
  type DialOutPolicyName,
} from '../../src/billing/dial-out-policy';

type Outcome = 'ok' | 'dialout_blocked_by_policy' | 'dialout_domestic_only' | 'dialout_zone_a_only';

// The table of DOMAIN.md, row by row: meeting (CPC) scope, user PSTN scope.
const TABLE: [DialOutPolicyName, 'any' | 'domestic' | 'zone_a' | 'none', 'international' | 'domestic' | 'none'][] = [
  ['DialoutCPCandPSTNInternational', 'any', 'international'],
  ['DialoutCPCDomesticPSTNInternational', 'domestic', 'international'],
  ['DialoutCPCDisabledPSTNInternational', 'none', 'international'],
  ['DialoutCPCInternationalPSTNDomestic', 'any', 'domestic'],
  ['DialoutCPCInternationalPSTNDisabled', 'any', 'none'],
  ['DialoutCPCandPSTNDomestic', 'domestic', 'domestic'],
  ['DialoutCPCDomesticPSTNDisabled', 'domestic', 'none'],
  ['DialoutCPCDisabledPSTNDomestic', 'none', 'domestic'],
  ['DialoutCPCandPSTNDisabled', 'none', 'none'],
  ['DialoutCPCZoneAPSTNInternational', 'zone_a', 'international'],
  ['DialoutCPCZoneAPSTNDomestic', 'zone_a', 'domestic'],
  ['DialoutCPCZoneAPSTNDisabled', 'zone_a', 'none'],
];

// organizer country, destination country, and the outcome per meeting scope.
const DESTINATIONS: [string, string, string, Record<'any' | 'domestic' | 'zone_a' | 'none', Outcome>][] = [
  ['domestic, Zone A', 'DE', 'DE', { any: 'ok', domestic: 'ok', zone_a: 'ok', none: 'dialout_blocked_by_policy' }],
  ['international, Zone A', 'DE', 'GB', { any: 'ok', domestic: 'dialout_domestic_only', zone_a: 'ok', none: 'dialout_blocked_by_policy' }],
  ['international, outside Zone A', 'DE', 'AE', { any: 'ok', domestic: 'dialout_domestic_only', zone_a: 'dialout_zone_a_only', none: 'dialout_blocked_by_policy' }],
  ['domestic, outside Zone A', 'AE', 'AE', { any: 'ok', domestic: 'ok', zone_a: 'dialout_zone_a_only', none: 'dialout_blocked_by_policy' }],
  ['international from outside Zone A into Zone A', 'AE', 'US', { any: 'ok', domestic: 'dialout_domestic_only', zone_a: 'ok', none: 'dialout_blocked_by_policy' }],
  ['US to Canada (same calling code, different country)', 'US', 'CA', { any: 'ok', domestic: 'dialout_domestic_only', zone_a: 'ok', none: 'dialout_blocked_by_policy' }],
  ['US to Puerto Rico', 'US', 'PR', { any: 'ok', domestic: 'dialout_domestic_only', zone_a: 'ok', none: 'dialout_blocked_by_policy' }],
];

describe('the 12 OnlineDialOutPolicy instances', () => {
  it('are exactly the 12 of DOMAIN.md, with the documented default', () => {
    expect([...DIAL_OUT_POLICIES].sort()).toEqual(TABLE.map(([p]) => p).sort());
    expect(DEFAULT_DIAL_OUT_POLICY).toBe('DialoutCPCandPSTNInternational');
  });

  it.each(TABLE)('%s: meetings %s, PSTN %s', (policy, conferencing, pstn) => {
    const d = describePolicy(policy);
    expect(d.conferencing).toBe(conferencing);
    expect(d.pstn).toBe(pstn);
    expect(d.summary).toMatch(/^[A-Z].*\.$/);
  });

  const matrix = TABLE.flatMap(([policy, scope]) => DESTINATIONS.map(([label, from, to, outcomes]) => [policy, label, from, to, outcomes[scope]] as const));
  it.each(matrix)('%s, %s (%s -> %s): %s', (policy, _label, from, to, outcome) => {
    const r = checkMeetingDialOut(policy, from, to);
    if (outcome === 'ok') expect(r).toEqual({ ok: true });
    else expect(r).toMatchObject({ ok: false, reason: outcome, message: expect.any(String) });
  });

  it('compares countries case-insensitively', () => {
    expect(checkMeetingDialOut('DialoutCPCandPSTNDomestic', 'de', 'DE')).toEqual({ ok: true });
    expect(checkMeetingDialOut('DialoutCPCZoneAPSTNDisabled', 'de', 'gb')).toEqual({ ok: true });
  });

  it('describes policies in plain words', () => {
    expect(describePolicy('DialoutCPCDomesticPSTNDisabled').summary).toBe(
      "Meetings can dial out only within the organizer's country; users can make emergency calls only.",
    );
  });
});

describe('policy names', () => {
  it.each([
    ['DialoutCPCandPSTNDomestic', 'DialoutCPCandPSTNDomestic'],
    ['dialoutcpcandpstndomestic', 'DialoutCPCandPSTNDomestic'],
    ['Tag:DialoutCPCZoneAPSTNDisabled', 'DialoutCPCZoneAPSTNDisabled'],
    [' tag:DIALOUTCPCZONEAPSTNDISABLED ', 'DialoutCPCZoneAPSTNDisabled'],
    ['Global', undefined],
    ['DialoutCPCandPSTN', undefined],
    ['', undefined],
  ])('findDialOutPolicy(%j) -> %s', (text, name) => {
    expect(findDialOutPolicy(text)).toBe(name);
  });

  it('isDialOutPolicy is exact', () => {
    expect(isDialOutPolicy('DialoutCPCandPSTNDomestic')).toBe(true);
    expect(isDialOutPolicy('dialoutcpcandpstndomestic')).toBe(false);
  });
});
