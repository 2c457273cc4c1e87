import type { AdvisorInput, AdvisorLeg, AdvisorUser } from '../../src/advisor/advisor-model';
import { RateCard } from '../../src/billing/rate-card';
import { micros, NUMBERS, TEST_RATES_CSV } from '../support/fixtures';

/** The test rate card (fixtures.ts): US toll dial-in $0.02/min, US dial-out $0.03, DE dial-out $0.06, … */
export function testRateCard(): RateCard {
  const parsed = RateCard.fromCsv(TEST_RATES_CSV);
  if (!parsed.ok) throw new Error('test rate card does not parse');
  return parsed.card;
}

export function user(id: string, licenses: string, usageLocation = 'US'): AdvisorUser {
  return {
    id,
    upn: `${id}@contoso.example`,
    displayName: id.charAt(0).toUpperCase() + id.slice(1),
    profile: { id, usageLocation, licenses: licenses.split(';').filter(Boolean), tollFreeDialIn: true },
  };
}

let seq = 0;
/** One leg of `minutes` whole minutes, organized by `organizer`, on `day` of `month` at 10:00 UTC (plus seq seconds). */
export function leg(
  organizer: string | null,
  month: string,
  minutes: number,
  opts: { day?: number; callType?: 'conf_in' | 'conf_out'; number?: string; tollFree?: boolean; seconds?: number } = {},
): AdvisorLeg {
  seq += 1;
  const day = String(opts.day ?? 10).padStart(2, '0');
  return {
    id: `leg-${seq}`,
    organizerId: organizer,
    organizerUpn: null,
    chargedMicros: 0,
    leg: {
      callType: opts.callType ?? 'conf_in',
      number: opts.number ?? NUMBERS.usLandline,
      tollFree: opts.tollFree ?? false,
      durationSeconds: opts.seconds ?? minutes * 60,
      startDateTime: new Date(`${month}-${day}T10:00:${String(seq % 60).padStart(2, '0')}Z`),
    },
  };
}

export const QUARTER = ['2026-08', '2026-09', '2026-10'] as const;

export function advisorInput(users: AdvisorUser[], legs: AdvisorLeg[], opts: { poolLicenses: number; price: string; months?: readonly string[] }): AdvisorInput {
  return {
    tenantId: 'tenant-a',
    currency: 'USD',
    ratingTenant: { country: 'US', currency: 'USD', billingMode: 'prepaid' },
    globalDialOutPolicy: 'DialoutCPCandPSTNInternational',
    rateCard: testRateCard(),
    poolLicenses: opts.poolLicenses,
    priceMicros: micros(opts.price),
    months: opts.months ?? QUARTER,
    users,
    legs,
    now: new Date('2026-11-05T09:00:00Z'),
  };
}
