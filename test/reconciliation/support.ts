import { NUMBERS, USERS, leg } from '../support/fixtures';

/** Microsoft's own figures on a Graph pstnCallLogRow, as Graph writes them (decimal currency units). */
export interface MicrosoftFigures {
  charge?: number | null;
  connectionCharge?: number | null;
  currency?: string;
  licenseCapability?: string;
}

/** A Graph pstnCallLogRow carrying Microsoft's charge (or, with charge null, not yet). */
export function billedLeg(fields: Parameters<typeof leg>[0], ms: MicrosoftFigures = {}): Record<string, unknown> {
  return {
    ...leg(fields),
    charge: ms.charge ?? null,
    connectionCharge: ms.connectionCharge ?? null,
    currency: ms.currency ?? 'USD',
    licenseCapability: ms.licenseCapability ?? null,
  };
}

const NOV = '2026-11-10T09:00:00Z';

/**
 * One month of legs (rates: DE dial-out $0.06/min, DE toll dial-in $0.04/min, GB dial-out $0.05/min; the pay-per-minute
 * organizer pays everything per minute, the subscription organizer's UK dial-out comes from the 120-minute pool), with
 * Microsoft's figures agreeing, differing by rate, by pool or license state, by rounding, by currency, or not there yet.
 */
export const MONTH_OF_LEGS = [
  // conf-agree: Microsoft agrees on all three, the subscription's toll dial-in included.
  billedLeg({ id: 'agree-out', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-agree', start: NOV }, { charge: 0.6 }),
  billedLeg({ id: 'agree-in', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-agree', start: NOV }, { charge: 0.2 }),
  billedLeg({ id: 'agree-sub', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usLandline, seconds: 600, conferenceId: 'conf-agree', start: NOV }, { charge: 0 }),
  // conf-rate: Microsoft priced German minutes at $0.07.
  billedLeg({ id: 'rate', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-rate', start: '2026-11-11T09:00:00Z' }, { charge: 0.7 }),
  billedLeg({ id: 'rate-ok', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, conferenceId: 'conf-rate', start: '2026-11-11T09:10:00Z' }, { charge: 0.12 }),
  // conf-pool: Tollgate took the UK call from the pool, Microsoft charged it; Microsoft billed a toll dial-in as included.
  billedLeg({ id: 'pool', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 1800, conferenceId: 'conf-pool', start: '2026-11-12T09:00:00Z' }, { charge: 1.5 }),
  billedLeg({ id: 'license', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-pool', start: '2026-11-12T09:00:00Z' }, { charge: 0, licenseCapability: 'MCOMEETADD' }),
  // conf-round: Microsoft billed the exact 61 seconds.
  billedLeg({ id: 'round', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 61, conferenceId: 'conf-round', start: '2026-11-13T09:00:00Z' }, { charge: 0.061 }),
  // conf-small: each leg within a cent, the meeting 2.4 cents apart.
  ...[1, 2, 3].map((i) => billedLeg({ id: `small-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, conferenceId: 'conf-small', start: '2026-11-14T09:00:00Z' }, { charge: 0.068 })),
  // conf-euro: billed in euros.
  billedLeg({ id: 'euro', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-euro', start: '2026-11-15T09:00:00Z' }, { charge: 0.55, currency: 'EUR' }),
  // conf-open: one leg still waits for Microsoft's row.
  billedLeg({ id: 'open-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, conferenceId: 'conf-open', start: '2026-11-16T09:00:00Z' }, { charge: 0.06 }),
  billedLeg({ id: 'open-2', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, conferenceId: 'conf-open', start: '2026-11-16T09:05:00Z' }),
  // Another month.
  billedLeg({ id: 'october', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-october', start: '2026-10-20T09:00:00Z' }, { charge: 0.9 }),
];
