import { DIAL_OUT_POLICIES, type DialOutPolicyName } from '../../src/billing/dial-out-policy';
import { parsePhoneNumber } from '../../src/billing/phone-number';
import { RateCard } from '../../src/billing/rate-card';
import { REASONS, type Reason } from '../../src/billing/reasons';
import {
  billedSecondsFor,
  legKind,
  rateLeg,
  type Decision,
  type LegToRate,
  type OrganizerProfile,
  type PaidBy,
  type RatingContext,
} from '../../src/billing/rate-leg';

// A small card with round prices so every expected charge can be checked by hand (USD, 60 s unless noted).
const CARD_CSV = `kind,prefix,country,description,perMinute,connectionFee,incrementSeconds,currency,effectiveFrom
conf_in_toll,,DE,DE toll,0.04,,60,USD,2024-01-01
conf_in_toll,,US,US toll,0.02,,60,USD,2024-01-01
conf_in_toll,,RU,RU toll,0.06,,60,USD,2024-01-01
conf_in_tollfree,,DE,DE toll-free,0.12,,60,USD,2024-01-01
conf_in_tollfree,,US,US toll-free,0.04,,60,USD,2024-01-01
conf_out,,DE,DE landline,0.06,,60,USD,2024-01-01
conf_out,4915,DE,DE mobile,0.25,,60,USD,2024-01-01
conf_out,4916,DE,DE mobile,0.25,,60,USD,2024-01-01
conf_out,4917,DE,DE mobile,0.25,,60,USD,2024-01-01
conf_out,,US,US,0.03,,60,USD,2024-01-01
conf_out,1900,US,US premium,2.00,,60,USD,2024-01-01
conf_out,,CA,CA,0.03,,60,USD,2024-01-01
conf_out,,PR,PR,0.05,,60,USD,2024-01-01
conf_out,,GB,GB landline,0.04,,60,USD,2024-01-01
conf_out,447,GB,GB mobile,0.20,,60,USD,2024-01-01
conf_out,449,GB,GB premium,1.50,,60,USD,2024-01-01
conf_out,,FR,FR (30 s increments),0.05,,30,USD,2024-01-01
conf_out,,IT,IT (per second),0.06,,1,USD,2024-01-01
conf_out,,JP,JP (6 s increments),0.06,,6,USD,2024-01-01
conf_out,,ZA,ZA with fee,0.08,0.05,60,USD,2024-01-01
conf_out,,EG,EG with fee,0.25,0.10,60,USD,2024-01-01
conf_out,,AE,AE,0.30,,60,USD,2024-01-01
conf_out,,RU,RU,0.10,,60,USD,2024-01-01
conf_out,,KR,KR,0.06,,60,USD,2024-01-01
conf_out,,IN,IN 2024,0.08,,60,USD,2024-01-01
conf_out,,IN,IN from 2025-07,0.06,,60,USD,2025-07-01
conf_out,,SE,SE free,0,,60,USD,2024-01-01
`;
const loaded = RateCard.fromCsv(CARD_CSV);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const CARD = loaded.card;

// Real numbers, each checked valid by libphonenumber-js (see the first test).
const N = {
  DE: '+4930901820',
  DE_MOBILE: '+4915123456789',
  DE_TOLLFREE: '+4980012345678',
  DE_PREMIUM: '+4990090012345',
  US: '+12015550123',
  US_TOLLFREE: '+18005550199',
  US_PREMIUM: '+19005551234',
  CA: '+16045550123',
  PR: '+17872345678',
  GB: '+442071838750',
  GB_MOBILE: '+447400123456',
  GB_PREMIUM: '+449090123456',
  FR: '+33142685300',
  IT: '+390612345678',
  JP: '+81312345678',
  ZA: '+27211234567',
  EG: '+20212345678',
  AE: '+97145123456',
  RU: '+78123456789',
  KR: '+8222123456',
  IN: '+918123456789',
  SE: '+46812345678',
  NG: '+2348021234567',
} as const;

const L = {
  SUB: ['MCOMEETADV', 'MCOPSTNPP'],
  SUB_NO_CREDITS: ['MCOMEETADV'],
  E5: ['SPE_E5', 'MCOPSTNPP'],
  O365_E5: ['ENTERPRISEPREMIUM', 'MCOPSTNPP'],
  E5_NOPSTNCONF: ['SPE_E5_NOPSTNCONF', 'MCOPSTNPP'],
  PPM: ['MCOMEETACPEA'],
  NONE: [] as string[],
  ADDON: ['MCOMEETADV', 'MCOPSTNPP', 'MCOEXTDIALOUT_USCA'],
  ADDON_NO_CREDITS: ['MCOMEETADV', 'MCOEXTDIALOUT_USCA'],
  PPM_ADDON: ['MCOMEETACPEA', 'MCOEXTDIALOUT_USCA'],
} as const;

const START = new Date('2024-06-15T10:00:00Z');

function organizer(licenses: readonly string[], over: Partial<OrganizerProfile> = {}): OrganizerProfile {
  return { id: 'organizer-1', usageLocation: 'DE', licenses, tollFreeDialIn: true, ...over };
}

function ctx(over: Partial<RatingContext> = {}): RatingContext {
  return {
    mode: 'settle',
    tenant: { country: 'DE', currency: 'USD', billingMode: 'prepaid' },
    organizer: organizer(L.SUB),
    globalDialOutPolicy: 'DialoutCPCandPSTNInternational',
    rateCard: CARD,
    poolRemainingSeconds: 36_000,
    balanceMicros: 50_000_000,
    ...over,
  };
}

type Tenant = RatingContext['tenant'];
const tenant = (over: Partial<Tenant>): Tenant => ({ country: 'DE', currency: 'USD', billingMode: 'prepaid', ...over });

const out = (number: string, durationSeconds = 300, startDateTime = START): LegToRate => ({ callType: 'conf_out', number, tollFree: false, durationSeconds, startDateTime });
const tollIn = (number: string, durationSeconds = 300): LegToRate => ({ callType: 'conf_in', number, tollFree: false, durationSeconds, startDateTime: START });
const tollFreeIn = (number: string, durationSeconds = 300): LegToRate => ({ callType: 'conf_in', number, tollFree: true, durationSeconds, startDateTime: START });

const settle = (leg: LegToRate, over: Partial<RatingContext> = {}) => rateLeg(leg, ctx({ ...over, mode: 'settle' }));
const authorize = (leg: LegToRate, over: Partial<RatingContext> = {}) => rateLeg(leg, ctx({ ...over, mode: 'authorize' }));

function decided(r: ReturnType<typeof rateLeg>): Decision {
  if (!r.ok) throw new Error(`expected a decision, got the refusal ${r.reason}`);
  return r;
}

function expectRefused(r: ReturnType<typeof rateLeg>, reason: Reason): void {
  expect(r).toEqual({ ok: false, reason, message: REASONS[reason].message });
}

interface Billing {
  paidBy: PaidBy;
  pool: number;
  credit: number;
  charge: number;
  flags?: Reason[];
}

function expectBilling(r: ReturnType<typeof rateLeg>, b: Billing): void {
  const d = decided(r);
  expect({ paidBy: d.paidBy, pool: d.poolSeconds, credit: d.creditSeconds, charge: d.chargeMicros, flags: d.flags }).toEqual({ flags: [], ...b });
}

it('uses only numbers libphonenumber-js validates, in the expected countries', () => {
  const countries = Object.fromEntries(Object.entries(N).map(([k, e164]) => {
    const p = parsePhoneNumber(e164);
    return [k, p.ok ? p.value.country : 'INVALID'];
  }));
  expect(countries).toEqual({
    DE: 'DE', DE_MOBILE: 'DE', DE_TOLLFREE: 'DE', DE_PREMIUM: 'DE', US: 'US', US_TOLLFREE: 'US', US_PREMIUM: 'US', CA: 'CA', PR: 'PR',
    GB: 'GB', GB_MOBILE: 'GB', GB_PREMIUM: 'GB', FR: 'FR', IT: 'IT', JP: 'JP', ZA: 'ZA', EG: 'EG', AE: 'AE', RU: 'RU', KR: 'KR',
    IN: 'IN', SE: 'SE', NG: 'NG',
  });
});

describe('a whole decision', () => {
  it('carries every field (toll-free dial-in on a subscription, settled)', () => {
    const d = settle(tollFreeIn(N.DE_TOLLFREE, 61));
    expect(d).toEqual({
      ok: true,
      paidBy: 'credits',
      destinationCountry: 'DE',
      billedSeconds: 120,
      billedMinutes: 2,
      poolSeconds: 0,
      creditSeconds: 120,
      chargeMicros: 240_000,
      rate: {
        kind: 'conf_in_tollfree', prefix: '', country: 'DE', description: 'DE toll-free', perMinuteMicros: 120_000,
        connectionFeeMicros: 0, incrementSeconds: 60, currency: 'USD', effectiveFrom: '2024-01-01',
      },
      flags: [],
      maxDurationSeconds: null,
    });
  });

  it('in authorize mode has no flags and a maximum duration', () => {
    const d = decided(authorize(tollFreeIn(N.DE_TOLLFREE, 0)));
    expect(d.flags).toEqual([]);
    expect(d.maxDurationSeconds).toBe(24_960); // 50 USD at 0.12/min = 25,000 s, cut to whole minutes
  });

  it('rates dial-in by the bridge number that was dialed and dial-out by the destination', () => {
    expect(decided(settle(tollIn(N.US))).destinationCountry).toBe('US');
    expect(decided(settle(out(N.CA))).destinationCountry).toBe('CA');
  });

  it('legKind maps legs to rate-card kinds; tollFree is ignored for dial-out', () => {
    expect(legKind({ callType: 'conf_in', tollFree: false })).toBe('conf_in_toll');
    expect(legKind({ callType: 'conf_in', tollFree: true })).toBe('conf_in_tollfree');
    expect(legKind({ callType: 'conf_out', tollFree: true })).toBe('conf_out');
    expectBilling(settle({ ...out(N.AE), tollFree: true }), { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 });
  });
});

describe('licenses × call kinds (pool of 10 h, balance 50 USD, 5-minute legs)', () => {
  type Leg = 'toll' | 'tollfree' | 'out_DE' | 'out_AE' | 'out_US' | 'out_CA' | 'out_PR';
  const legs: Record<Leg, LegToRate> = {
    toll: tollIn(N.DE),
    tollfree: tollFreeIn(N.DE_TOLLFREE),
    out_DE: out(N.DE),
    out_AE: out(N.AE),
    out_US: out(N.US),
    out_CA: out(N.CA),
    out_PR: out(N.PR),
  };
  const SUBSCRIPTION: Record<Leg, Billing> = {
    toll: { paidBy: 'subscription', pool: 0, credit: 0, charge: 0 },
    tollfree: { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000 },
    out_DE: { paidBy: 'pool', pool: 300, credit: 0, charge: 0 },
    out_AE: { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 },
    out_US: { paidBy: 'pool', pool: 300, credit: 0, charge: 0 },
    out_CA: { paidBy: 'pool', pool: 300, credit: 0, charge: 0 },
    out_PR: { paidBy: 'pool', pool: 300, credit: 0, charge: 0 },
  };
  const SUB_MAX: Record<Leg, number | null> = {
    toll: null,
    tollfree: 24_960,
    out_DE: 85_980, // 36,000 s pool + 50,000 s at 0.06, cut to whole minutes
    out_AE: 9_960,
    out_US: 135_960,
    out_CA: 135_960,
    out_PR: 96_000, // 36,000 + 60,000 at 0.05
  };
  const PER_MINUTE: Record<Leg, Billing> = {
    toll: { paidBy: 'credits', pool: 0, credit: 300, charge: 200_000 },
    tollfree: { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000 },
    out_DE: { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000 },
    out_AE: { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 },
    out_US: { paidBy: 'credits', pool: 0, credit: 300, charge: 150_000 },
    out_CA: { paidBy: 'credits', pool: 0, credit: 300, charge: 150_000 },
    out_PR: { paidBy: 'credits', pool: 0, credit: 300, charge: 250_000 },
  };
  const PPM_MAX: Record<Leg, number | null> = {
    toll: 75_000,
    tollfree: 24_960,
    out_DE: 49_980,
    out_AE: 9_960,
    out_US: 99_960,
    out_CA: 99_960,
    out_PR: 60_000,
  };
  const flagged = (b: Billing, ...flags: Reason[]): Billing => ({ ...b, flags });

  const cases: [string, readonly string[], Leg, Billing, number | null | Reason][] = [];
  for (const leg of Object.keys(legs) as Leg[]) {
    for (const [name, licenses] of [['MCOMEETADV+MCOPSTNPP', L.SUB], ['SPE_E5+MCOPSTNPP', L.E5], ['ENTERPRISEPREMIUM+MCOPSTNPP', L.O365_E5]] as const) {
      cases.push([name, licenses, leg, SUBSCRIPTION[leg], SUB_MAX[leg]]);
    }
    // Without MCOPSTNPP a subscription can still use everything that does not draw on credits.
    const noCredits = SUBSCRIPTION[leg].paidBy === 'credits';
    cases.push([
      'MCOMEETADV alone',
      L.SUB_NO_CREDITS,
      leg,
      noCredits ? flagged(SUBSCRIPTION[leg], 'no_communications_credits_license') : SUBSCRIPTION[leg],
      noCredits ? 'no_communications_credits_license' : SUBSCRIPTION[leg].paidBy === 'pool' ? 36_000 : null,
    ]);
    cases.push(['MCOMEETACPEA (pay-per-minute)', L.PPM, leg, PER_MINUTE[leg], PPM_MAX[leg]]);
    cases.push(['MCOMEETACPEA + add-on (add-on ignored)', L.PPM_ADDON, leg, PER_MINUTE[leg], PPM_MAX[leg]]);
    cases.push(['no license', L.NONE, leg, flagged(PER_MINUTE[leg], 'no_audio_conferencing_license'), 'no_audio_conferencing_license']);
    cases.push(['SPE_E5_NOPSTNCONF', L.E5_NOPSTNCONF, leg, flagged(PER_MINUTE[leg], 'no_audio_conferencing_license'), 'no_audio_conferencing_license']);
  }
  // The US/Canada add-on: only US and CA destinations, nothing drawn from pool or credits.
  const addon: Record<Leg, [Billing, number | null]> = {
    toll: [SUBSCRIPTION.toll, null],
    tollfree: [SUBSCRIPTION.tollfree, 24_960],
    out_DE: [SUBSCRIPTION.out_DE, 85_980],
    out_AE: [SUBSCRIPTION.out_AE, 9_960],
    out_US: [{ paidBy: 'addon', pool: 0, credit: 0, charge: 0 }, null],
    out_CA: [{ paidBy: 'addon', pool: 0, credit: 0, charge: 0 }, null],
    out_PR: [SUBSCRIPTION.out_PR, 96_000], // Puerto Rico is Zone A but not US/CA for the add-on
  };
  for (const leg of Object.keys(legs) as Leg[]) cases.push(['MCOMEETADV+MCOPSTNPP+US/CA add-on', L.ADDON, leg, ...addon[leg]]);
  cases.push(['add-on without MCOPSTNPP', L.ADDON_NO_CREDITS, 'out_US', { paidBy: 'addon', pool: 0, credit: 0, charge: 0 }, null]);

  it.each(cases)('%s %j, %s: settle and authorize', (_name, licenses, leg, billing, authorized) => {
    const o = organizer(licenses);
    expectBilling(settle(legs[leg], { organizer: o }), billing);
    const a = authorize(legs[leg], { organizer: o });
    if (typeof authorized === 'string') {
      expectRefused(a, authorized);
    } else {
      expectBilling(a, { ...billing, flags: [] });
      expect(decided(a).maxDurationSeconds).toBe(authorized);
    }
  });
});

describe('the dial-out pool (subscription organizer, DE landline 0.06/min)', () => {
  it.each<[string, LegToRate, number, Billing]>([
    ['full pool', out(N.DE, 300), 36_000, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['exactly enough left', out(N.DE, 300), 300, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['straddles the end of the pool', out(N.DE, 300), 120, { paidBy: 'credits', pool: 120, credit: 180, charge: 180_000 }],
    ['straddles, duration rounded up first', out(N.DE, 241), 120, { paidBy: 'credits', pool: 120, credit: 180, charge: 180_000 }],
    ['one second short', out(N.DE, 300), 299, { paidBy: 'credits', pool: 299, credit: 1, charge: 1_000 }],
    ['empty pool', out(N.DE, 300), 0, { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000 }],
    ['overdrawn pool (licenses removed mid-month)', out(N.DE, 300), -600, { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000 }],
    ['0-second leg, pool left', out(N.DE, 0), 36_000, { paidBy: 'pool', pool: 0, credit: 0, charge: 0 }],
    ['0-second leg, empty pool', out(N.DE, 0), 0, { paidBy: 'credits', pool: 0, credit: 0, charge: 0 }],
    ['Zone A mobile is not premium', out(N.DE_MOBILE, 300), 36_000, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['mobile straddling: the rest at the mobile rate', out(N.DE_MOBILE, 300), 60, { paidBy: 'credits', pool: 60, credit: 240, charge: 1_000_000 }],
    ['GB premium (card price) never uses the pool', out(N.GB_PREMIUM, 300), 36_000, { paidBy: 'credits', pool: 0, credit: 300, charge: 7_500_000 }],
    ['DE premium (number type, default price) never uses the pool', out(N.DE_PREMIUM, 300), 36_000, { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000 }],
    ['US premium never uses the pool', out(N.US_PREMIUM, 300), 36_000, { paidBy: 'credits', pool: 0, credit: 300, charge: 10_000_000 }],
    ['outside Zone A never uses the pool', out(N.AE, 300), 36_000, { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 }],
    ['Puerto Rico is Zone A', out(N.PR, 300), 36_000, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['RU is Zone A', out(N.RU, 300), 36_000, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['fee not charged while the pool pays', out(N.ZA, 300), 36_000, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['fee charged once credits pay part', out(N.ZA, 300), 60, { paidBy: 'credits', pool: 60, credit: 240, charge: 320_000 + 50_000 }],
    ['toll dial-in never touches the pool', tollIn(N.DE, 300), 36_000, { paidBy: 'subscription', pool: 0, credit: 0, charge: 0 }],
    ['toll-free dial-in never touches the pool', tollFreeIn(N.DE_TOLLFREE, 300), 36_000, { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000 }],
    ['pool counts billed (rounded) seconds', out(N.DE, 61), 36_000, { paidBy: 'pool', pool: 120, credit: 0, charge: 0 }],
    ['per-second rate draws exact seconds', out(N.IT, 61), 36_000, { paidBy: 'pool', pool: 61, credit: 0, charge: 0 }],
  ])('%s', (_name, leg, poolRemainingSeconds, billing) => {
    expectBilling(settle(leg, { poolRemainingSeconds }), billing);
  });

  it('never uses the pool for a pay-per-minute organizer', () => {
    expectBilling(settle(out(N.DE), { organizer: organizer(L.PPM), poolRemainingSeconds: 36_000 }), { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000 });
  });

  it('authorizes a straddling leg as credits with the pool part', () => {
    const d = decided(authorize(out(N.DE, 300), { poolRemainingSeconds: 120 }));
    expect([d.paidBy, d.poolSeconds, d.creditSeconds, d.chargeMicros]).toEqual(['credits', 120, 180, 180_000]);
  });
});

describe('the 12 dial-out policies (organizer in DE)', () => {
  const scope: Record<DialOutPolicyName, 'any' | 'domestic' | 'zone_a' | 'none'> = {
    DialoutCPCandPSTNInternational: 'any',
    DialoutCPCDomesticPSTNInternational: 'domestic',
    DialoutCPCDisabledPSTNInternational: 'none',
    DialoutCPCInternationalPSTNDomestic: 'any',
    DialoutCPCInternationalPSTNDisabled: 'any',
    DialoutCPCandPSTNDomestic: 'domestic',
    DialoutCPCDomesticPSTNDisabled: 'domestic',
    DialoutCPCDisabledPSTNDomestic: 'none',
    DialoutCPCandPSTNDisabled: 'none',
    DialoutCPCZoneAPSTNInternational: 'zone_a',
    DialoutCPCZoneAPSTNDomestic: 'zone_a',
    DialoutCPCZoneAPSTNDisabled: 'zone_a',
  };
  type Where = 'domestic (DE)' | 'international Zone A (GB)' | 'international outside Zone A (AE)' | 'domestic outside Zone A (AE organizer)';
  const where: Record<Where, { leg: LegToRate; usageLocation: string; billing: Billing }> = {
    'domestic (DE)': { leg: out(N.DE), usageLocation: 'DE', billing: { paidBy: 'pool', pool: 300, credit: 0, charge: 0 } },
    'international Zone A (GB)': { leg: out(N.GB), usageLocation: 'DE', billing: { paidBy: 'pool', pool: 300, credit: 0, charge: 0 } },
    'international outside Zone A (AE)': { leg: out(N.AE), usageLocation: 'DE', billing: { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 } },
    'domestic outside Zone A (AE organizer)': { leg: out(N.AE), usageLocation: 'AE', billing: { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 } },
  };
  const verdict = (s: 'any' | 'domestic' | 'zone_a' | 'none', w: Where): Reason | undefined => {
    if (s === 'any') return undefined;
    if (s === 'none') return 'dialout_blocked_by_policy';
    if (s === 'domestic') return w.startsWith('domestic') ? undefined : 'dialout_domestic_only';
    return w.includes('outside Zone A') ? 'dialout_zone_a_only' : undefined;
  };
  const cases = DIAL_OUT_POLICIES.flatMap((p) => (Object.keys(where) as Where[]).map((w) => [p, w, verdict(scope[p], w)] as const));

  it.each(cases)('%s, %s: %s', (policy, w, reason) => {
    const { leg, usageLocation, billing } = where[w];
    for (const assignment of ['per user', 'global'] as const) {
      const over: Partial<RatingContext> =
        assignment === 'per user'
          ? { organizer: organizer(L.SUB, { usageLocation, dialOutPolicy: policy }), globalDialOutPolicy: 'DialoutCPCandPSTNDisabled' }
          : { organizer: organizer(L.SUB, { usageLocation }), globalDialOutPolicy: policy };
      // settle charges as it happened and flags the breach
      expectBilling(settle(leg, over), { ...billing, flags: reason ? [reason] : [] });
      const a = authorize(leg, over);
      if (reason) expectRefused(a, reason);
      else expect(a.ok).toBe(true);
    }
  });

  it('a per-user policy overrides the global one in both directions', () => {
    const blockedGlobally = { globalDialOutPolicy: 'DialoutCPCandPSTNDisabled' as const };
    expectRefused(authorize(out(N.DE), { ...blockedGlobally, organizer: organizer(L.SUB) }), 'dialout_blocked_by_policy');
    expect(authorize(out(N.DE), { ...blockedGlobally, organizer: organizer(L.SUB, { dialOutPolicy: 'DialoutCPCandPSTNInternational' }) }).ok).toBe(true);
    expectRefused(authorize(out(N.DE), { organizer: organizer(L.SUB, { dialOutPolicy: 'DialoutCPCDisabledPSTNInternational' }) }), 'dialout_blocked_by_policy');
  });

  it('domestic means the destination country, not the calling code: US organizer to Canada is international', () => {
    const over = { organizer: organizer(L.SUB, { usageLocation: 'US', dialOutPolicy: 'DialoutCPCandPSTNDomestic' as const }) };
    expect(authorize(out(N.US), over).ok).toBe(true);
    expectRefused(authorize(out(N.CA), over), 'dialout_domestic_only');
    expectRefused(authorize(out(N.PR), over), 'dialout_domestic_only');
  });

  it('policies govern meeting dial-out only, never dial-in', () => {
    const over = { organizer: organizer(L.SUB, { dialOutPolicy: 'DialoutCPCandPSTNDisabled' as const }) };
    expect(authorize(tollIn(N.US), over).ok).toBe(true);
    expect(authorize(tollFreeIn(N.US_TOLLFREE), over).ok).toBe(true);
  });

});

describe('the US/Canada dial-out add-on', () => {
  it('the add-on covers every US/CA destination, premium ones included (as specified), and never Puerto Rico', () => {
    const over = { organizer: organizer(L.ADDON), balanceMicros: 0, poolRemainingSeconds: 0 };
    expectBilling(settle(out(N.US_PREMIUM), over), { paidBy: 'addon', pool: 0, credit: 0, charge: 0 });
    expectBilling(settle(out(N.CA), over), { paidBy: 'addon', pool: 0, credit: 0, charge: 0 });
    expectBilling(settle(out(N.PR), over), { paidBy: 'credits', pool: 0, credit: 300, charge: 250_000, flags: ['insufficient_credits'] });
  });

  it('the add-on does not bypass a policy', () => {
    const over = { organizer: organizer(L.ADDON, { dialOutPolicy: 'DialoutCPCandPSTNDomestic' as const }) };
    expectRefused(authorize(out(N.US), over), 'dialout_domestic_only');
    expectBilling(settle(out(N.US), over), { paidBy: 'addon', pool: 0, credit: 0, charge: 0, flags: ['dialout_domestic_only'] });
  });
});

describe('the toll-free dial-in switch', () => {
  const off = (licenses: readonly string[]) => ({ organizer: organizer(licenses, { tollFreeDialIn: false }) });
  it.each<[string, readonly string[], Reason, Billing]>([
    ['subscription', L.SUB, 'tollfree_disabled_for_organizer', { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000, flags: ['tollfree_disabled_for_organizer'] }],
    ['subscription without MCOPSTNPP', L.SUB_NO_CREDITS, 'tollfree_disabled_for_organizer', { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000, flags: ['tollfree_disabled_for_organizer', 'no_communications_credits_license'] }],
    ['pay-per-minute', L.PPM, 'tollfree_disabled_for_organizer', { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000, flags: ['tollfree_disabled_for_organizer'] }],
    ['no license', L.NONE, 'no_audio_conferencing_license', { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000, flags: ['no_audio_conferencing_license', 'tollfree_disabled_for_organizer'] }],
  ])('off for a %s organizer: authorize refuses, settle charges and flags', (_name, licenses, reason, billing) => {
    expectRefused(authorize(tollFreeIn(N.DE_TOLLFREE), off(licenses)), reason);
    expectBilling(settle(tollFreeIn(N.DE_TOLLFREE), off(licenses)), billing);
  });

  it('does not affect toll dial-in or dial-out', () => {
    expectBilling(authorize(tollIn(N.DE), off(L.SUB)), { paidBy: 'subscription', pool: 0, credit: 0, charge: 0 });
    expectBilling(authorize(out(N.DE), off(L.SUB)), { paidBy: 'pool', pool: 300, credit: 0, charge: 0 });
  });

  it('flags even an unanswered (0-second) toll-free leg, charging nothing', () => {
    expectBilling(settle(tollFreeIn(N.DE_TOLLFREE, 0), off(L.SUB)), { paidBy: 'credits', pool: 0, credit: 0, charge: 0, flags: ['tollfree_disabled_for_organizer'] });
  });
});

describe('rounding to the rate increment (pay-per-minute organizer)', () => {
  const ppm = { organizer: organizer(L.PPM) };
  it.each([
    // number, duration, billed seconds, charge
    [N.DE, 0, 0, 0],
    [N.DE, 1, 60, 60_000],
    [N.DE, 59, 60, 60_000],
    [N.DE, 60, 60, 60_000],
    [N.DE, 61, 120, 120_000],
    [N.DE, 119, 120, 120_000],
    [N.DE, 120, 120, 120_000],
    [N.DE, 3599, 3600, 3_600_000],
    [N.DE, 3600, 3600, 3_600_000],
    [N.DE, 3601, 3660, 3_660_000],
    [N.FR, 1, 30, 25_000], // 30 s increments at 0.05/min
    [N.FR, 30, 30, 25_000],
    [N.FR, 31, 60, 50_000],
    [N.FR, 61, 90, 75_000],
    [N.IT, 1, 1, 1_000], // per second at 0.06/min
    [N.IT, 59, 59, 59_000],
    [N.IT, 61, 61, 61_000],
    [N.JP, 7, 12, 12_000], // 6 s increments
    [N.JP, 60, 60, 60_000],
    [N.US, 1, 60, 30_000],
    [N.US, 61, 120, 60_000],
  ])('%s for %d s: billed %d s, charged %d', (number, duration, billed, charge) => {
    const d = decided(settle(out(number, duration), ppm));
    expect(d.billedSeconds).toBe(billed);
    expect(d.billedMinutes).toBe(billed / 60);
    expect(d.creditSeconds).toBe(billed);
    expect(d.chargeMicros).toBe(charge);
  });

  it('reports fractional minutes for increments that are not whole minutes', () => {
    expect(decided(settle(out(N.FR, 61), ppm)).billedMinutes).toBe(1.5);
  });

  it('rounds micros half up (1 s at 0.000030/min is half a micro)', () => {
    const card = new RateCard([{ kind: 'conf_out', prefix: '', country: 'DE', description: '', perMinuteMicros: 30, connectionFeeMicros: 0, incrementSeconds: 1, currency: 'USD', effectiveFrom: '2024-01-01' }]);
    expect(decided(settle(out(N.DE, 1), { ...ppm, rateCard: card })).chargeMicros).toBe(1);
    expect(decided(settle(out(N.DE, 3), { ...ppm, rateCard: card })).chargeMicros).toBe(2); // 1.5 -> 2
  });

  it('uses 60 s when no rate applies', () => {
    const d = decided(settle(out(N.NG, 61), ppm));
    expect([d.billedSeconds, d.chargeMicros, d.rate, d.flags]).toEqual([120, 0, undefined, ['rate_not_found']]);
  });

  it('billedSecondsFor rounds up to whole increments', () => {
    expect([0, 1, 60, 61].map((s) => billedSecondsFor(s, 60))).toEqual([0, 60, 60, 120]);
    expect(billedSecondsFor(7, 6)).toBe(12);
  });
});

describe('connection fees', () => {
  const ppm = { organizer: organizer(L.PPM) };
  it.each([
    [0, 0], // unanswered: no fee
    [1, 250_000 + 100_000],
    [60, 250_000 + 100_000],
    [61, 500_000 + 100_000],
    [600, 2_500_000 + 100_000], // once per leg, not per minute
  ])('EG (0.25/min + 0.10 fee), %d s: %d', (duration, charge) => {
    expect(decided(settle(out(N.EG, duration), ppm)).chargeMicros).toBe(charge);
  });

  it('is not charged when nothing is charged to credits (pool or subscription)', () => {
    expect(decided(settle(out(N.ZA, 600))).chargeMicros).toBe(0);
  });
});

describe('effective dates', () => {
  const ppm = { organizer: organizer(L.PPM) };
  it.each([
    ['2024-01-01T00:00:00Z', 400_000],
    ['2025-06-30T23:59:59Z', 400_000],
    ['2025-07-01T00:00:00Z', 300_000],
    ['2026-03-01T08:00:00Z', 300_000],
  ])('IN dial-out starting %s costs %d for 5 minutes', (start, charge) => {
    const d = decided(settle(out(N.IN, 300, new Date(start)), ppm));
    expect(d.chargeMicros).toBe(charge);
    expect(d.rate?.effectiveFrom).toBe(charge === 400_000 ? '2024-01-01' : '2025-07-01');
  });

  it('before any rate was in force there is no rate: authorize refuses, settle flags', () => {
    const leg = out(N.IN, 300, new Date('2023-12-31T23:59:59Z'));
    expectRefused(authorize(leg, ppm), 'country_not_supported');
    expectBilling(settle(leg, ppm), { paidBy: 'credits', pool: 0, credit: 300, charge: 0, flags: ['rate_not_found'] });
  });
});

describe('longest prefix: mobile, landline, premium, country default', () => {
  const ppm = { organizer: organizer(L.PPM) };
  it.each([
    [N.DE, 300_000, 'DE landline'],
    [N.DE_MOBILE, 1_250_000, 'DE mobile'],
    [N.DE_PREMIUM, 300_000, 'DE landline'],
    [N.GB, 200_000, 'GB landline'],
    [N.GB_MOBILE, 1_000_000, 'GB mobile'],
    [N.GB_PREMIUM, 7_500_000, 'GB premium'],
    [N.US, 150_000, 'US'],
    [N.US_PREMIUM, 10_000_000, 'US premium'],
    [N.CA, 150_000, 'CA'],
    [N.PR, 250_000, 'PR'],
  ])('%s, 5 minutes: %d (%s)', (number, charge, description) => {
    const d = decided(settle(out(number), ppm));
    expect(d.chargeMicros).toBe(charge);
    expect(d.rate?.description).toBe(description);
  });
});

describe('authorize: balance, prepaid/postpaid and the longest call', () => {
  const ppm = organizer(L.PPM);
  it.each<[string, LegToRate, Partial<RatingContext>, number | null | Reason]>([
    ['pay-per-minute, 1.00 USD at 0.06/min', out(N.DE, 0), { organizer: ppm, balanceMicros: 1_000_000 }, 960],
    ['pay-per-minute, exactly one minute', out(N.DE, 0), { organizer: ppm, balanceMicros: 60_000 }, 60],
    ['pay-per-minute, a micro short of a minute', out(N.DE, 0), { organizer: ppm, balanceMicros: 59_999 }, 'insufficient_credits'],
    ['pay-per-minute, zero balance', out(N.DE, 0), { organizer: ppm, balanceMicros: 0 }, 'insufficient_credits'],
    ['pay-per-minute, negative balance', out(N.DE, 0), { organizer: ppm, balanceMicros: -5_000_000 }, 'insufficient_credits'],
    ['pay-per-minute toll dial-in, zero balance', tollIn(N.DE, 0), { organizer: ppm, balanceMicros: 0 }, 'insufficient_credits'],
    ['postpaid, zero balance', out(N.DE, 0), { organizer: ppm, balanceMicros: 0, tenant: tenant({ billingMode: 'postpaid' }) }, null],
    ['postpaid, negative balance', out(N.DE, 0), { organizer: ppm, balanceMicros: -100_000_000, tenant: tenant({ billingMode: 'postpaid' }) }, null],
    ['subscription toll dial-in, zero balance', tollIn(N.DE, 0), { balanceMicros: 0 }, null],
    ['add-on to the US, zero balance', out(N.US, 0), { organizer: organizer(L.ADDON), balanceMicros: 0 }, null],
    ['pool 600 s + 0.06 USD', out(N.DE, 0), { poolRemainingSeconds: 600, balanceMicros: 60_000 }, 660],
    ['pool 600 s + zero balance: the pool alone', out(N.DE, 0), { poolRemainingSeconds: 600, balanceMicros: 0 }, 600],
    ['pool 600 s + negative balance: the pool alone', out(N.DE, 0), { poolRemainingSeconds: 600, balanceMicros: -1 }, 600],
    ['pool 600 s without MCOPSTNPP: the pool alone', out(N.DE, 0), { organizer: organizer(L.SUB_NO_CREDITS), poolRemainingSeconds: 600 }, 600],
    ['pool 630 s without MCOPSTNPP: whole minutes of pool', out(N.DE, 0), { organizer: organizer(L.SUB_NO_CREDITS), poolRemainingSeconds: 630 }, 600],
    ['pool 30 s without MCOPSTNPP: not even a minute', out(N.DE, 0), { organizer: organizer(L.SUB_NO_CREDITS), poolRemainingSeconds: 30 }, 'no_communications_credits_license'],
    ['pool 30 s + zero balance', out(N.DE, 0), { poolRemainingSeconds: 30, balanceMicros: 0 }, 'insufficient_credits'],
    ['pool 30 s + 0.06 USD', out(N.DE, 0), { poolRemainingSeconds: 30, balanceMicros: 60_000 }, 60],
    ['pool 600 s, postpaid', out(N.DE, 0), { poolRemainingSeconds: 600, tenant: tenant({ billingMode: 'postpaid' }) }, null],
    ['empty pool, 50 USD', out(N.DE, 0), { poolRemainingSeconds: 0 }, 49_980],
    ['fee: 0.35 USD covers the 0.10 fee and one minute at 0.25', out(N.EG, 0), { organizer: ppm, balanceMicros: 350_000 }, 60],
    ['fee: 0.60 USD covers the fee and two minutes', out(N.EG, 0), { organizer: ppm, balanceMicros: 600_000 }, 120],
    ['fee: 0.10 USD covers only the fee', out(N.EG, 0), { organizer: ppm, balanceMicros: 100_000 }, 'insufficient_credits'],
    ['fee: 0.09 USD does not even cover the fee', out(N.EG, 0), { organizer: ppm, balanceMicros: 90_000 }, 'insufficient_credits'],
    ['fee with pool: 0.05 USD covers only the fee, so the pool alone', out(N.ZA, 0), { poolRemainingSeconds: 60, balanceMicros: 50_000 }, 60],
    ['fee with pool: 0.13 USD covers the fee and a minute', out(N.ZA, 0), { poolRemainingSeconds: 60, balanceMicros: 130_000 }, 120],
    ['per-second rate: 0.001 USD covers exactly 1 s', out(N.IT, 0), { organizer: ppm, balanceMicros: 1_000 }, 1],
    ['6 s increments: 0.0129 USD covers 12.9 s, so 12 s', out(N.JP, 0), { organizer: ppm, balanceMicros: 12_900 }, 12],
    ['a free rate with money left: no limit', out(N.SE, 0), { organizer: ppm, balanceMicros: 1 }, null],
    ['a free rate still needs a positive prepaid balance', out(N.SE, 0), { organizer: ppm, balanceMicros: 0 }, 'insufficient_credits'],
    ['a call longer than the balance allows', out(N.DE, 61), { organizer: ppm, balanceMicros: 60_000 }, 'insufficient_credits'],
    ['a call exactly as long as the balance allows', out(N.DE, 60), { organizer: ppm, balanceMicros: 60_000 }, 60],
    ['a straddling call within pool + balance', out(N.DE, 660), { poolRemainingSeconds: 600, balanceMicros: 60_000 }, 660],
    ['a straddling call beyond pool + balance', out(N.DE, 661), { poolRemainingSeconds: 600, balanceMicros: 60_000 }, 'insufficient_credits'],
    ['a pool call longer than the pool without MCOPSTNPP', out(N.DE, 601), { organizer: organizer(L.SUB_NO_CREDITS), poolRemainingSeconds: 600 }, 'no_communications_credits_license'],
  ])('%s', (_name, leg, over, expected) => {
    const a = authorize(leg, over);
    if (typeof expected === 'string') expectRefused(a, expected);
    else expect(decided(a).maxDurationSeconds).toBe(expected);
  });

  it('the longest call it allows settles within the balance', () => {
    const over = { organizer: ppm, balanceMicros: 1_000_000 };
    const max = decided(authorize(out(N.DE, 0), over)).maxDurationSeconds ?? 0;
    expect(decided(settle(out(N.DE, max), over)).chargeMicros).toBeLessThanOrEqual(1_000_000);
    expect(decided(settle(out(N.DE, max + 1), over)).chargeMicros).toBeGreaterThan(1_000_000);
  });
});

describe('countries where credits cannot be bought (tenant in RU, KR, TW)', () => {
  it.each(['RU', 'KR', 'TW'])('tenant in %s', (country) => {
    const t = { tenant: tenant({ country }) };
    const ppm = { ...t, organizer: organizer(L.PPM) };
    expectRefused(authorize(tollIn(N.RU), ppm), 'credits_not_purchasable_in_country');
    expectRefused(authorize(out(N.AE), t), 'credits_not_purchasable_in_country');
    expectRefused(authorize(tollFreeIn(N.DE_TOLLFREE), t), 'credits_not_purchasable_in_country');
    // What does not draw on credits still works: toll dial-in and the pool (which then caps the call).
    expect(decided(authorize(tollIn(N.RU), t)).maxDurationSeconds).toBeNull();
    expect(decided(authorize(out(N.RU, 0), { ...t, poolRemainingSeconds: 600 })).maxDurationSeconds).toBe(600);
    expectBilling(settle(tollIn(N.RU), ppm), { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000, flags: ['credits_not_purchasable_in_country'] });
    expectBilling(settle(out(N.DE), t), { paidBy: 'pool', pool: 300, credit: 0, charge: 0 });
  });

  it('depends on the tenant\'s country, not the destination\'s or the organizer\'s', () => {
    expect(authorize(out(N.RU), { organizer: organizer(L.PPM, { usageLocation: 'RU' }) }).ok).toBe(true);
  });
});

describe('no rate, or a rate in another currency', () => {
  it.each<[string, readonly string[]]>([['subscription', L.SUB], ['pay-per-minute', L.PPM]])('dial-out to a country without a rate (%s)', (_n, licenses) => {
    expectRefused(authorize(out(N.NG), { organizer: organizer(licenses) }), 'country_not_supported');
    expectBilling(settle(out(N.NG), { organizer: organizer(licenses) }), { paidBy: 'credits', pool: 0, credit: 300, charge: 0, flags: ['rate_not_found'] });
  });

  it('needs no rate when nothing is charged to credits', () => {
    const d = decided(authorize(tollIn(N.GB)));
    expect([d.paidBy, d.rate, d.billedSeconds]).toEqual(['subscription', undefined, 300]);
  });

  it('a Zone A pool leg without a rate is fine until the pool runs out', () => {
    const card = new RateCard([]);
    expectBilling(settle(out(N.DE), { rateCard: card }), { paidBy: 'pool', pool: 300, credit: 0, charge: 0 });
    expect(decided(authorize(out(N.DE, 0), { rateCard: card, poolRemainingSeconds: 600 })).maxDurationSeconds).toBe(600);
    expectRefused(authorize(out(N.DE, 300), { rateCard: card, poolRemainingSeconds: 120 }), 'country_not_supported');
    expectBilling(settle(out(N.DE, 300), { rateCard: card, poolRemainingSeconds: 120 }), { paidBy: 'credits', pool: 120, credit: 180, charge: 0, flags: ['rate_not_found'] });
  });

  it('never charges a USD rate to a EUR tenant', () => {
    const eur = { tenant: tenant({ currency: 'EUR' }), organizer: organizer(L.PPM) };
    expectRefused(authorize(out(N.DE), eur), 'rate_currency_mismatch');
    expectBilling(settle(out(N.DE), eur), { paidBy: 'credits', pool: 0, credit: 300, charge: 0, flags: ['rate_currency_mismatch'] });
    expect(decided(settle(out(N.DE), eur)).rate?.currency).toBe('USD');
    expect(authorize(tollIn(N.DE), { tenant: tenant({ currency: 'EUR' }) }).ok).toBe(true); // subscription: nothing charged
  });
});

describe('settle: charges what happened, flags what should not have', () => {
  it.each<[string, LegToRate, Partial<RatingContext>, Billing]>([
    ['prepaid, zero balance, credits pay', out(N.AE), { balanceMicros: 0 }, { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000, flags: ['insufficient_credits'] }],
    ['prepaid, negative balance, straddling the pool', out(N.DE), { balanceMicros: -1, poolRemainingSeconds: 120 }, { paidBy: 'credits', pool: 120, credit: 180, charge: 180_000, flags: ['insufficient_credits'] }],
    ['prepaid, zero balance, the pool pays', out(N.DE), { balanceMicros: 0 }, { paidBy: 'pool', pool: 300, credit: 0, charge: 0 }],
    ['prepaid, zero balance, subscription toll dial-in', tollIn(N.DE), { balanceMicros: 0 }, { paidBy: 'subscription', pool: 0, credit: 0, charge: 0 }],
    ['prepaid, a balance smaller than the charge (goes negative after the fact)', out(N.AE), { balanceMicros: 1 }, { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 }],
    ['postpaid, negative balance', out(N.AE), { balanceMicros: -10_000_000, tenant: tenant({ billingMode: 'postpaid' }) }, { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000 }],
    [
      'every breach at once, in check order',
      tollFreeIn(N.DE_TOLLFREE),
      { organizer: organizer(L.NONE, { tollFreeDialIn: false }), tenant: tenant({ country: 'RU' }), balanceMicros: 0 },
      { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000, flags: ['no_audio_conferencing_license', 'tollfree_disabled_for_organizer', 'credits_not_purchasable_in_country', 'insufficient_credits'] },
    ],
    [
      'policy and credit breaches together',
      out(N.AE),
      { organizer: organizer(L.SUB_NO_CREDITS, { dialOutPolicy: 'DialoutCPCZoneAPSTNDomestic' }), tenant: tenant({ country: 'KR' }), balanceMicros: 0 },
      { paidBy: 'credits', pool: 0, credit: 300, charge: 1_500_000, flags: ['dialout_zone_a_only', 'no_communications_credits_license', 'credits_not_purchasable_in_country', 'insufficient_credits'] },
    ],
  ])('%s', (_name, leg, over, billing) => {
    expectBilling(settle(leg, over), billing);
  });

  it('authorize refuses with the first of the flags settle would raise', () => {
    expectRefused(
      authorize(tollFreeIn(N.DE_TOLLFREE), { organizer: organizer(L.NONE, { tollFreeDialIn: false }), tenant: tenant({ country: 'RU' }), balanceMicros: 0 }),
      'no_audio_conferencing_license',
    );
    expectRefused(
      authorize(out(N.AE), { organizer: organizer(L.SUB_NO_CREDITS, { dialOutPolicy: 'DialoutCPCZoneAPSTNDomestic' }), tenant: tenant({ country: 'KR' }), balanceMicros: 0 }),
      'dialout_zone_a_only',
    );
    expectRefused(authorize(out(N.AE), { organizer: organizer(L.SUB_NO_CREDITS), tenant: tenant({ country: 'KR' }), balanceMicros: 0 }), 'no_communications_credits_license');
    expectRefused(authorize(out(N.AE), { tenant: tenant({ country: 'KR' }), balanceMicros: 0 }), 'credits_not_purchasable_in_country');
  });

  it('always has maxDurationSeconds null', () => {
    expect(decided(settle(out(N.AE))).maxDurationSeconds).toBeNull();
    expect(decided(settle(out(N.DE))).maxDurationSeconds).toBeNull();
  });
});

describe('an unknown organizer', () => {
  it('is refused by authorize', () => {
    expectRefused(authorize(tollIn(N.DE), { organizer: undefined }), 'unknown_organizer');
  });

  it('is charged like pay-per-minute by settle, and flagged', () => {
    expectBilling(settle(tollIn(N.DE), { organizer: undefined }), { paidBy: 'credits', pool: 0, credit: 300, charge: 200_000, flags: ['unknown_organizer'] });
    expectBilling(settle(out(N.DE), { organizer: undefined }), { paidBy: 'credits', pool: 0, credit: 300, charge: 300_000, flags: ['unknown_organizer'] });
    expectBilling(settle(tollFreeIn(N.DE_TOLLFREE), { organizer: undefined }), { paidBy: 'credits', pool: 0, credit: 300, charge: 600_000, flags: ['unknown_organizer'] });
  });

  it('gets the global policy, with the tenant\'s country as its usage location', () => {
    expectBilling(settle(out(N.GB), { organizer: undefined, globalDialOutPolicy: 'DialoutCPCandPSTNDomestic' }), {
      paidBy: 'credits', pool: 0, credit: 300, charge: 200_000, flags: ['unknown_organizer', 'dialout_domestic_only'],
    });
    expectBilling(settle(out(N.DE), { organizer: undefined, globalDialOutPolicy: 'DialoutCPCandPSTNDomestic' }), {
      paidBy: 'credits', pool: 0, credit: 300, charge: 300_000, flags: ['unknown_organizer'],
    });
  });
});

describe('invalid input', () => {
  it.each(['not a number', '', '4930901820', '+441632960000', '+80012345678'])('%j is refused as invalid_number in both modes', (number) => {
    for (const r of [settle(out(number)), authorize(out(number)), settle(tollIn(number))]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe('invalid_number');
        expect(r.message).toMatch(/E\.164/);
      }
    }
  });

  it.each<[string, LegToRate, Partial<RatingContext>]>([
    ['a negative duration', out(N.DE, -1), {}],
    ['a fractional duration', out(N.DE, 1.5), {}],
    ['a NaN duration', out(N.DE, NaN), {}],
    ['an invalid start', out(N.DE, 60, new Date('nope')), {}],
    ['a user_in leg', { ...out(N.DE), callType: 'user_in' as 'conf_in' }, {}],
    ['a fractional balance', out(N.DE), { balanceMicros: 0.5 }],
    ['a NaN pool', out(N.DE), { poolRemainingSeconds: NaN }],
    ['an unknown mode', out(N.DE), { mode: 'estimate' as 'settle' }],
  ])('throws on %s (a bug in the caller, not a domain outcome)', (_name, leg, over) => {
    expect(() => rateLeg(leg, ctx(over))).toThrow();
  });
});

describe('purity', () => {
  it('does not mutate its inputs and answers the same every time', () => {
    const leg = Object.freeze(out(N.DE, 300));
    const c = Object.freeze(ctx({ poolRemainingSeconds: 120, organizer: Object.freeze(organizer(Object.freeze([...L.SUB]))) }));
    const first = rateLeg(leg, c);
    expect(rateLeg(leg, c)).toEqual(first);
    expect(c.poolRemainingSeconds).toBe(120);
  });
});
