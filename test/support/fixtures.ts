import fs from 'node:fs';
import path from 'node:path';
import { parseAmount } from '../../src/billing/money';
import { silentLogger } from '../../src/observability/logger';
import { storeRateCardCsv } from '../../src/rates/rate-card-store';
import type { Store } from '../../src/store/database';
import { FixedClock } from '../../src/time/clock';
import { createTollgate, type Tollgate } from '../../src/tollgate';

export const T = 'tenant-a';
export const ADMIN = 'test-admin';

/** Organizers of the standard test tenant (US, USD, 2 pool licenses = 120 minutes). */
export const USERS = {
  sub: 'u-sub', // subscription + credits, US
  subNoCredits: 'u-sub-nocredits', // subscription only
  ppm: 'u-ppm', // pay-per-minute, DE, domestic-only policy
  none: 'u-none', // no audio conferencing
  addon: 'u-addon', // subscription + credits + US/CA add-on
} as const;

export const USERS_CSV = `aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn
u-sub,sub@contoso.example,Sub Scriber,US,MCOMEETADV;MCOPSTNPP,,true
u-sub-nocredits,nocredits@contoso.example,No Credits,US,MCOMEETADV,,true
u-ppm,ppm@contoso.example,Pay PerMinute,DE,MCOMEETACPEA,DialoutCPCDomesticPSTNInternational,true
u-none,none@contoso.example,No License,US,,,true
u-addon,addon@contoso.example,Add On,US,MCOMEETADV;MCOPSTNPP;MCOEXTDIALOUT_USCA,,false
`;

/** A small, fixed rate card so expected figures are easy to work out by hand. */
export const TEST_RATES_CSV = `kind,prefix,country,description,perMinute,connectionFee,incrementSeconds,currency,effectiveFrom
conf_out,,US,US,0.03,,60,USD,2024-01-01
conf_out,,CA,Canada,0.03,,60,USD,2024-01-01
conf_out,,DE,Germany,0.06,,60,USD,2024-01-01
conf_out,4915,DE,Germany mobile,0.25,,60,USD,2024-01-01
conf_out,,GB,United Kingdom,0.05,,60,USD,2024-01-01
conf_out,,FR,France,0.05,0.10,60,USD,2024-01-01
conf_out,,AE,UAE,0.40,,60,USD,2024-01-01
conf_in_toll,,US,US toll,0.02,,60,USD,2024-01-01
conf_in_toll,,DE,Germany toll,0.04,,60,USD,2024-01-01
conf_in_tollfree,,US,US toll-free,0.04,,60,USD,2024-01-01
conf_in_tollfree,,DE,Germany toll-free,0.12,,60,USD,2024-01-01
`;

export const NUMBERS = {
  usLandline: '+12025550123',
  usTollFree: '+18005550199',
  caLandline: '+16135550123',
  deLandline: '+4930123456',
  deMobile: '+4915112345678',
  gbLandline: '+442079460958',
  frLandline: '+33142685300',
  aeLandline: '+97142345678',
} as const;

export function micros(text: string): number {
  const p = parseAmount(text);
  if (!p.ok) throw new Error(p.message);
  return p.micros;
}

export interface TestTenantOptions {
  poolLicenses?: number;
  fund?: string;
  autoRecharge?: { trigger: string; amount: string };
  billingMode?: 'prepaid' | 'postpaid';
  now?: Date;
}

/** A tenant ready to rate legs: tenant, the test rate card, the organizers, optional funding and auto-recharge. */
export async function setUpTenant(store: Store, options: TestTenantOptions = {}, tenantId = T): Promise<{ tollgate: Tollgate; clock: FixedClock }> {
  const clock = new FixedClock(options.now ?? new Date('2026-11-15T12:00:00Z'));
  const tollgate = createTollgate(store, clock, silentLogger, { chunkSize: 100 });
  const init = await tollgate.directory.initTenant(
    { tenantId, country: 'US', currency: 'USD', poolLicenses: options.poolLicenses ?? 2, billingMode: options.billingMode },
    ADMIN,
  );
  if (!init.ok) throw new Error(init.message);
  const rates = await store.inTransaction((tx) => storeRateCardCsv(tx, TEST_RATES_CSV, { tenant_id: tenantId, currency: 'USD' }));
  if (!rates.ok) throw new Error(rates.message);
  const users = await tollgate.directory.importUsersCsv(tenantId, USERS_CSV, ADMIN);
  if (!users.ok) throw new Error(users.message);
  if (options.fund) {
    const f = await tollgate.ledger.fund(tenantId, micros(options.fund), ADMIN, 'test funding');
    if (!f.ok) throw new Error(f.message);
  }
  if (options.autoRecharge) {
    const a = await tollgate.ledger.setAutoRecharge(tenantId, micros(options.autoRecharge.trigger), micros(options.autoRecharge.amount), ADMIN);
    if (!a.ok) throw new Error(a.message);
  }
  return { tollgate, clock };
}

let legCounter = 0;
/** A Graph pstnCallLogRow. */
export function leg(fields: {
  id?: string;
  callType?: string;
  number: string;
  organizer?: string;
  seconds: number;
  start?: string;
  conferenceId?: string;
  tollFree?: boolean;
  charge?: number;
}): Record<string, unknown> {
  legCounter += 1;
  const start = fields.start ?? '2026-11-10T10:00:00Z';
  return {
    id: fields.id ?? `leg-${legCounter}-${Math.random().toString(36).slice(2, 8)}`,
    callId: `call-${legCounter}`,
    callType: fields.callType ?? 'conf_out',
    calleeNumber: fields.number,
    callerNumber: '+12065550100',
    userId: fields.organizer ?? USERS.sub,
    userPrincipalName: null,
    conferenceId: fields.conferenceId ?? 'conf-1',
    inventoryType: fields.tollFree ? 'TollFree' : 'Toll',
    startDateTime: start,
    endDateTime: new Date(Date.parse(start) + fields.seconds * 1000).toISOString(),
    duration: fields.seconds,
    charge: fields.charge ?? null,
    currency: 'USD',
  };
}

export const SAMPLE_RATES_PATH = path.join(__dirname, '..', '..', 'data', 'rates.sample.csv');
export function sampleRates(): string {
  return fs.readFileSync(SAMPLE_RATES_PATH, 'utf8');
}
