import type { BalanceView } from '../../../src/ledger/ledger';
import type { LegView, MeetingView } from '../../../src/usage/meeting-queries';
import type { CardContext } from '../../../src/bot/cards/card-context';
import type { UsageReportCardInput } from '../../../src/bot/cards/usage-report-card';

/** Realistic data for card tests: Contoso, a US tenant paying in USD, in the middle of March 2025. */

export const NOW = new Date('2025-03-14T09:30:00Z');

export const userCtx: CardContext = { currency: 'USD', locale: 'en-US', isAdmin: false, now: NOW, timeZone: 'America/New_York' };
export const adminCtx: CardContext = { ...userCtx, isAdmin: true, refreshUserIds: ['29:1abcAdminMri'] };

export const LONG_NAME =
  'Maximiliane Alexandra Konstantinopoulou-Wittgenstein von und zu Hohenberg-Schwarzenfeld (Finance Operations, EMEA & APAC)';
export const LONG_TITLE =
  'Q1 2025 quarterly business review with all regional sales leads, partner managers and the extended leadership team — dial-in bridge';

export function balanceView(overrides: Partial<BalanceView> = {}): BalanceView {
  return {
    tenantId: 'contoso',
    currency: 'USD',
    balanceMicros: 196_140_000,
    billingMode: 'prepaid',
    autoRecharge: { enabled: true, triggerMicros: 50_000_000, amountMicros: 200_000_000 },
    lowBalanceAlertMicros: 25_000_000,
    pool: { month: '2025-03', usedSeconds: 7200, totalSeconds: 7200, usedMinutes: 120, totalMinutes: 120 },
    monthToDate: { chargeMicros: 53_860_000, legs: 41 },
    lastFunding: { at: '2025-03-02T10:15:00Z', amountMicros: 200_000_000, kind: 'auto_recharge' },
    nextExpiry: { at: '2026-01-15T00:00:00Z', amountMicros: 96_000_000 },
    ...overrides,
  };
}

let legSeq = 0;
export function leg(overrides: Partial<LegView> = {}): LegView {
  legSeq += 1;
  return {
    id: `leg-${legSeq}`,
    callId: `call-${legSeq}`,
    callType: 'conf_out',
    status: 'rated',
    conferenceId: '583920174',
    organizerId: 'aad-ana',
    number: '+442079460958',
    tollFree: false,
    destinationCountry: 'GB',
    startDateTime: '2025-03-13T15:02:00Z',
    durationSeconds: 1140,
    paidBy: 'pool',
    billedMinutes: 19,
    poolMinutes: 19,
    chargeMicros: 0,
    flags: [],
    microsoftChargeMicros: null,
    ...overrides,
  };
}

/** The weekly sales call: a toll dial-in, a toll-free dial-in, a dial-out that emptied the pool, one to Brazil. */
export function salesCallLegs(): LegView[] {
  return [
    leg({ callType: 'conf_in', number: '+14255550100', destinationCountry: 'US', paidBy: 'subscription', billedMinutes: 45, poolMinutes: 0, durationSeconds: 2700, startDateTime: '2025-03-13T15:00:00Z' }),
    leg({ callType: 'conf_in', tollFree: true, number: '+18005550199', destinationCountry: 'US', paidBy: 'credits', billedMinutes: 44, poolMinutes: 0, chargeMicros: 1_584_000, durationSeconds: 2630, startDateTime: '2025-03-13T15:01:00Z' }),
    leg({ number: '+442079460958', destinationCountry: 'GB', paidBy: 'credits', billedMinutes: 30, poolMinutes: 12, chargeMicros: 540_000, startDateTime: '2025-03-13T15:02:00Z' }),
    leg({ number: '+5511987654321', destinationCountry: 'BR', paidBy: 'credits', billedMinutes: 25, poolMinutes: 0, chargeMicros: 2_750_000, startDateTime: '2025-03-13T15:05:00Z' }),
  ];
}

export function meetingView(overrides: Partial<MeetingView> = {}): MeetingView {
  return {
    conferenceId: '583920174',
    organizerId: 'aad-ana',
    legs: 4,
    billedMinutes: 144,
    poolMinutes: 12,
    chargeMicros: 4_874_000,
    paidBy: { subscription: 1, pool: 0, credits: 3, addon: 0 },
    flaggedLegs: 0,
    firstStart: '2025-03-13T15:00:00Z',
    lastEnd: '2025-03-13T15:45:00Z',
    ...overrides,
  };
}

export function usageReport(overrides: Partial<UsageReportCardInput> = {}): UsageReportCardInput {
  const countries: [string, number, number][] = [
    ['US', 412_300_000, 310], ['GB', 96_140_000, 84], ['DE', 54_000_000, 61], ['BR', 33_000_000, 12], ['IN', 21_500_000, 30],
    ['JP', 18_000_000, 9], ['FR', 12_000_000, 14], ['AU', 9_000_000, 8], ['MX', 7_500_000, 6], ['ZA', 4_000_000, 5],
    ['SG', 2_000_000, 3], ['NG', 1_500_000, 2],
  ];
  return {
    range: { label: 'March 2025 (to date)', from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' },
    totalMicros: 670_940_000,
    legs: 544,
    byKind: { tollFreeDialInMicros: 210_000_000, dialOutMicros: 380_940_000, ppmDialInMicros: 80_000_000 },
    byCountry: countries.map(([key, chargeMicros, legs]) => ({ key, chargeMicros, legs, billedSeconds: legs * 1500 })),
    topOrganizers: [
      { key: 'aad-ana', name: 'Ana Costa', chargeMicros: 310_000_000, legs: 200, billedSeconds: 300_000 },
      { key: 'aad-jonas', name: 'Jonas Weber', chargeMicros: 150_000_000, legs: 120, billedSeconds: 200_000 },
      { key: 'aad-long', name: LONG_NAME, chargeMicros: 90_000_000, legs: 80, billedSeconds: 100_000 },
      { key: '', name: '', chargeMicros: 20_000_000, legs: 10, billedSeconds: 9_000 },
    ],
    topMeetings: [
      { key: '583920174', chargeMicros: 120_000_000, legs: 40, billedSeconds: 90_000 },
      { key: '771203948', chargeMicros: 80_000_000, legs: 22, billedSeconds: 50_000 },
    ],
    daily: [
      { day: '2025-03-03', chargeMicros: 120_500_000 },
      { day: '2025-03-04', chargeMicros: 80_000_000 },
      { day: '2025-03-07', chargeMicros: 196_140_000 },
      { day: '2025-03-10', chargeMicros: 40_000_000 },
      { day: '2025-03-13', chargeMicros: 234_300_000 },
    ],
    ...overrides,
  };
}
