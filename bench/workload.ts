import fs from 'node:fs';
import path from 'node:path';
import { parsePhoneNumber } from '../src/billing/phone-number';
import { isZoneA } from '../src/billing/countries';
import { silentLogger } from '../src/observability/logger';
import { storeRateCardCsv } from '../src/rates/rate-card-store';
import type { Store } from '../src/store/database';
import { FixedClock } from '../src/time/clock';
import { createTollgate, type Tollgate } from '../src/tollgate';
import { seededRandom } from '../test/support/seeded-random';

/**
 * The benchmark's workload: one tenant of a US company with a few hundred meeting organizers on different licenses,
 * and a month of Graph pstnCallLogRow records for it. Deterministic for a seed, so two runs rate the same legs.
 *
 * The mix (by leg): conf_in toll 40 %, conf_in toll-free 12 %, conf_out domestic 25 %, international 12 %,
 * mobile 8 %, premium 0.3 %, other call types (kept as "ignored") 2 %, a bad number 0.1 %. The dial-out pool is
 * sized to run out about 40 % of the way through the month, so both pool and credits legs are rated.
 */

export const BENCH_TENANT = 'bench-tenant';
export const BENCH_ADMIN = 'bench-admin';
/** The month the legs fall in, and the clock: the day after it ends (no lot expires, nothing is in the future). */
export const MONTH_START = Date.UTC(2026, 10, 1);
export const MONTH_END = Date.UTC(2026, 11, 1);
export const BENCH_NOW = new Date(MONTH_END + 6 * 3600 * 1000);

export const RATES_CSV_PATH = path.join(__dirname, '..', 'data', 'rates.sample.csv');

type Rand = () => number;
const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const digits = (rand: Rand, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
};

function guid(rand: Rand): string {
  const hex = () => Math.floor(rand() * 0x10000).toString(16).padStart(4, '0');
  return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-a${hex().slice(1)}-${hex()}${hex()}${hex()}`;
}

/** Number templates: a fixed prefix then random digits; every generated number is checked with the real parser. */
const TEMPLATES = {
  usLandline: () => (r: Rand) => `+1${pick(r, ['202', '212', '312', '415', '617', '206', '303', '404', '512', '713'])}${int(r, 2, 9)}${digits(r, 6)}`,
  caLandline: () => (r: Rand) => `+1${pick(r, ['416', '613', '604'])}${int(r, 2, 9)}${digits(r, 6)}`,
  usTollFree: () => (r: Rand) => `+1${pick(r, ['800', '833', '844', '855', '866', '877', '888'])}${int(r, 2, 9)}${digits(r, 6)}`,
  usPremium: () => (r: Rand) => `+1900${int(r, 2, 9)}${digits(r, 6)}`,
  gbLandline: () => (r: Rand) => `+44207${int(r, 1, 9)}${digits(r, 6)}`,
  gbMobile: () => (r: Rand) => `+447${pick(r, ['4', '5', '7', '8', '9'])}${digits(r, 8)}`,
  gbTollFree: () => (r: Rand) => `+44800${digits(r, 7)}`,
  deLandline: () => (r: Rand) => `+49${pick(r, ['30', '89', '69', '40'])}${int(r, 1, 9)}${digits(r, 7)}`,
  deMobile: () => (r: Rand) => `+49${pick(r, ['151', '160', '170', '171', '176'])}${digits(r, 8)}`,
  deTollFree: () => (r: Rand) => `+49800${int(r, 1, 9)}${digits(r, 6)}`,
  frLandline: () => (r: Rand) => `+331${digits(r, 8)}`,
  frMobile: () => (r: Rand) => `+336${digits(r, 8)}`,
  jpLandline: () => (r: Rand) => `+813${digits(r, 8)}`,
  auLandline: () => (r: Rand) => `+612${int(r, 8, 9)}${digits(r, 7)}`,
  inLandline: () => (r: Rand) => `+9111${int(r, 2, 4)}${digits(r, 7)}`,
  brLandline: () => (r: Rand) => `+5511${int(r, 2, 4)}${digits(r, 7)}`,
  aeLandline: () => (r: Rand) => `+9714${int(r, 2, 4)}${digits(r, 6)}`,
  sgLandline: () => (r: Rand) => `+656${digits(r, 7)}`,
  esMobile: () => (r: Rand) => `+346${digits(r, 8)}`,
} as const;
type NumberKind = keyof typeof TEMPLATES;

/** `count` distinct numbers the rating engine accepts. */
function numberPool(rand: Rand, kind: NumberKind, count: number): string[] {
  const make = TEMPLATES[kind]();
  const out = new Set<string>();
  for (let tries = 0; out.size < count; tries++) {
    if (tries > count * 200) throw new Error(`cannot generate valid ${kind} numbers`);
    const n = make(rand);
    if (parsePhoneNumber(n).ok) out.add(n);
  }
  return [...out];
}

interface Organizer {
  id: string;
  upn: string;
  name: string;
  usageLocation: 'US' | 'DE' | 'GB';
  licenses: string;
  policy: string;
  tollFreeDialIn: boolean;
  /** Draws dial-out minutes from the tenant's pool (subscription organizers, Zone A, non-premium, no add-on for US/CA). */
  subscription: boolean;
  addon: boolean;
}

/** The organizer population: who they are decides who pays, and which rules a leg breaks. */
const ORGANIZER_KINDS: { weight: number; make: (i: number) => Omit<Organizer, 'id' | 'upn' | 'name'> }[] = [
  { weight: 50, make: () => ({ usageLocation: 'US', licenses: 'MCOMEETADV;MCOPSTNPP', policy: '', tollFreeDialIn: true, subscription: true, addon: false }) },
  { weight: 10, make: () => ({ usageLocation: 'US', licenses: 'SPE_E5;MCOPSTNPP', policy: '', tollFreeDialIn: true, subscription: true, addon: false }) },
  { weight: 10, make: () => ({ usageLocation: 'US', licenses: 'MCOMEETADV;MCOPSTNPP;MCOEXTDIALOUT_USCA', policy: '', tollFreeDialIn: false, subscription: true, addon: true }) },
  { weight: 5, make: () => ({ usageLocation: 'US', licenses: 'MCOMEETADV', policy: '', tollFreeDialIn: true, subscription: true, addon: false }) },
  { weight: 5, make: () => ({ usageLocation: 'US', licenses: 'MCOMEETADV;MCOPSTNPP', policy: 'DialoutCPCDomesticPSTNInternational', tollFreeDialIn: true, subscription: true, addon: false }) },
  { weight: 8, make: () => ({ usageLocation: 'DE', licenses: 'MCOMEETACPEA;MCOPSTNPP', policy: 'DialoutCPCDomesticPSTNInternational', tollFreeDialIn: true, subscription: false, addon: false }) },
  { weight: 6, make: () => ({ usageLocation: 'GB', licenses: 'MCOMEETACPEA;MCOPSTNPP', policy: 'DialoutCPCZoneAPSTNInternational', tollFreeDialIn: true, subscription: false, addon: false }) },
  { weight: 3, make: () => ({ usageLocation: 'US', licenses: 'ENTERPRISEPACK', policy: '', tollFreeDialIn: true, subscription: false, addon: false }) },
  { weight: 3, make: () => ({ usageLocation: 'DE', licenses: 'MCOMEETADV;MCOPSTNPP', policy: '', tollFreeDialIn: false, subscription: true, addon: false }) },
];

function weighted<T extends { weight: number }>(rand: Rand, items: readonly T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = rand() * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

export interface Workload {
  organizers: Organizer[];
  usersCsv: string;
  /**
   * One Graph page per batch, as the JSON text that arrives. Kept as text, not objects, so the benchmark's heap
   * holds one batch of records at a time, like a server's: 100,000 live records would make every major GC of the
   * whole path walk them.
   */
  pages: string[];
  /** Batch i as JSON.parse gives it: fresh objects, nothing shared. */
  batch(i: number): Record<string, unknown>[];
  legs: number;
  meetings: number;
  poolLicenses: number;
  /** Roughly what pool-eligible legs bill, seconds: the pool is a share of it. */
  poolEligibleSeconds: number;
  mix: Record<string, number>;
}

const LEG_KINDS = [
  { kind: 'conf_in_toll', weight: 40 },
  { kind: 'conf_in_tollfree', weight: 12 },
  { kind: 'conf_out_domestic', weight: 25 },
  { kind: 'conf_out_international', weight: 12 },
  { kind: 'conf_out_mobile', weight: 8 },
  { kind: 'conf_out_premium', weight: 0.3 },
  { kind: 'other', weight: 2 },
  { kind: 'bad_number', weight: 0.1 },
] as const;
type LegKind = (typeof LEG_KINDS)[number]['kind'];

const COUNTRY_NAMES: Record<string, string> = {
  US: 'United States', CA: 'Canada', GB: 'United Kingdom', DE: 'Germany', FR: 'France', JP: 'Japan', AU: 'Australia',
  IN: 'India', BR: 'Brazil', AE: 'United Arab Emirates', SG: 'Singapore', ES: 'Spain',
};

/**
 * `legs` records for one month, meeting by meeting in time order (as Graph pages them), cut into batches of
 * `batchSize`. A meeting has 1 to 12 legs (about 4 on average), all for its organizer.
 */
export function generateWorkload(legs: number, batchSize: number, seed = 20261101): Workload {
  const rand = seededRandom(seed);
  const pools = Object.fromEntries(
    (Object.keys(TEMPLATES) as NumberKind[]).map((k) => [k, numberPool(rand, k, k.endsWith('TollFree') ? 6 : 1500)]),
  ) as Record<NumberKind, string[]>;
  // The tenant's dial-in bridges: a handful of toll and toll-free service numbers.
  const bridges = {
    toll: [...pools.usLandline.slice(0, 4), pools.deLandline[0]!, pools.gbLandline[0]!],
    tollFree: [...pools.usTollFree.slice(0, 3), pools.deTollFree[0]!, pools.gbTollFree[0]!],
  };
  const domestic: Record<Organizer['usageLocation'], NumberKind[]> = { US: ['usLandline'], DE: ['deLandline'], GB: ['gbLandline'] };
  const international: NumberKind[] = ['gbLandline', 'deLandline', 'frLandline', 'jpLandline', 'auLandline', 'inLandline', 'brLandline', 'aeLandline', 'sgLandline', 'caLandline'];
  const mobile: NumberKind[] = ['gbMobile', 'deMobile', 'frMobile', 'esMobile'];
  const countryOf: Partial<Record<NumberKind, string>> = {
    usLandline: 'US', caLandline: 'CA', usPremium: 'US', gbLandline: 'GB', gbMobile: 'GB', deLandline: 'DE', deMobile: 'DE',
    frLandline: 'FR', frMobile: 'FR', jpLandline: 'JP', auLandline: 'AU', inLandline: 'IN', brLandline: 'BR', aeLandline: 'AE',
    sgLandline: 'SG', esMobile: 'ES',
  };

  const organizers: Organizer[] = [];
  for (let i = 0; i < 240; i++) {
    const kind = weighted(rand, ORGANIZER_KINDS);
    const name = `Organizer ${String(i).padStart(3, '0')}`;
    organizers.push({ id: guid(rand), upn: `organizer${i}@contoso.example`, name, ...kind.make(i) });
  }
  const usersCsv =
    'aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn\n' +
    organizers.map((o) => [o.id, o.upn, o.name, o.usageLocation, o.licenses, o.policy, String(o.tollFreeDialIn)].join(',')).join('\n') +
    '\n';

  const records: Record<string, unknown>[] = [];
  const mix: Record<string, number> = {};
  let poolEligibleSeconds = 0;
  let meetings = 0;
  // Meetings start evenly through the month (the last one at least 5 hours before it ends), in time order.
  const span = MONTH_END - MONTH_START - 5 * 3600 * 1000;
  while (records.length < legs) {
    meetings += 1;
    const cursor = MONTH_START + Math.floor((records.length / legs) * span);
    const organizer = rand() < 0.005
      ? { ...organizers[0]!, id: guid(rand), upn: `departed${meetings}@contoso.example`, name: 'Departed User' } // not in the directory
      : pick(rand, organizers);
    const byUpnOnly = rand() < 0.05;
    const conferenceId = guid(rand);
    const callId = guid(rand);
    const legCount = Math.min(legs - records.length, 1 + Math.floor(-Math.log(1 - rand()) * 3));
    for (let l = 0; l < legCount; l++) {
      const kind: LegKind = weighted(rand, LEG_KINDS).kind;
      mix[kind] = (mix[kind] ?? 0) + 1;
      const start = cursor + int(rand, 0, 600_000);
      const duration = rand() < 0.05 ? 0 : Math.min(4 * 3600, Math.round(20 + -Math.log(1 - rand()) * (kind.startsWith('conf_out') ? 600 : 1500)));
      let callType = 'conf_in';
      let callee: string;
      let caller: string;
      let inventoryType = 'Toll';
      let country = 'US';
      let licenseCapability = organizer.subscription ? 'MCOMEETADV' : 'MCOMEETACPEA';
      switch (kind) {
        case 'conf_in_toll':
          callee = pick(rand, bridges.toll);
          caller = pick(rand, pools[pick(rand, ['usLandline', 'gbMobile', 'deMobile', 'caLandline'] as const)]);
          break;
        case 'conf_in_tollfree':
          callee = pick(rand, bridges.tollFree);
          caller = pick(rand, pools.usLandline);
          inventoryType = pick(rand, ['TollFree', 'Toll Free', 'toll_free']);
          licenseCapability = 'MCOPSTNPP';
          break;
        case 'other':
          callType = pick(rand, ['user_in', 'user_out', 'emergency']);
          callee = pick(rand, pools.usLandline);
          caller = pick(rand, pools.usLandline);
          inventoryType = 'Subscriber';
          licenseCapability = 'MCOEV';
          break;
        case 'bad_number':
          callType = 'conf_out';
          callee = `+99${digits(rand, 9)}`;
          caller = bridges.toll[0]!;
          break;
        default: {
          callType = 'conf_out';
          const numberKind: NumberKind =
            kind === 'conf_out_domestic' ? pick(rand, domestic[organizer.usageLocation])
            : kind === 'conf_out_international' ? pick(rand, international)
            : kind === 'conf_out_mobile' ? pick(rand, mobile)
            : 'usPremium';
          callee = pick(rand, pools[numberKind]);
          caller = bridges.toll[0]!;
          country = countryOf[numberKind]!;
          licenseCapability = 'MCOPSTNPP';
          const addonCovers = organizer.addon && (country === 'US' || country === 'CA');
          if (organizer.subscription && !addonCovers && kind !== 'conf_out_premium' && isZoneA(country)) {
            poolEligibleSeconds += Math.ceil(duration / 60) * 60;
          }
        }
      }
      const paidByMicrosoft = callType === 'conf_out' && rand() < 0.3;
      records.push({
        id: guid(rand),
        callId: l === 0 || rand() < 0.5 ? callId : guid(rand),
        userId: byUpnOnly ? null : organizer.id,
        userPrincipalName: byUpnOnly ? organizer.upn.toUpperCase() : organizer.upn,
        userDisplayName: organizer.name,
        startDateTime: new Date(start).toISOString(),
        endDateTime: new Date(start + duration * 1000).toISOString(),
        duration,
        charge: paidByMicrosoft ? Math.round(rand() * 200) / 100 : 0,
        callType,
        currency: 'USD',
        calleeNumber: callee,
        usageCountryCode: organizer.usageLocation,
        tenantCountryCode: 'US',
        connectionCharge: 0,
        callerNumber: caller,
        destinationContext: callType === 'conf_out' ? (country === organizer.usageLocation ? 'Domestic' : 'International') : null,
        destinationName: COUNTRY_NAMES[country] ?? null,
        conferenceId: callType.startsWith('conf_') ? conferenceId : null,
        licenseCapability,
        inventoryType,
        operator: 'Microsoft',
        callDurationSource: 'microsoft',
      });
    }
  }

  const pages: string[] = [];
  for (let i = 0; i < records.length; i += batchSize) pages.push(JSON.stringify(records.slice(i, i + batchSize)));
  return {
    organizers,
    usersCsv,
    pages,
    batch: (i) => JSON.parse(pages[i]!) as Record<string, unknown>[],
    legs: records.length,
    meetings,
    // Run out about 40 % of the way through the month.
    poolLicenses: Math.max(1, Math.floor((poolEligibleSeconds * 0.4) / 3600)),
    poolEligibleSeconds,
    mix,
  };
}

/** The tenant the workload belongs to: rate card, directory, pool licenses, funding and auto-recharge. */
export async function setUpBenchTenant(store: Store, workload: Pick<Workload, 'usersCsv' | 'poolLicenses'>): Promise<{ tollgate: Tollgate; clock: FixedClock }> {
  const clock = new FixedClock(BENCH_NOW);
  // The production configuration: whatever chunk size createTollgate gives by default.
  const tollgate = createTollgate(store, clock, silentLogger);
  const fail = (what: string, r: { ok: boolean; message?: string }) => {
    if (!r.ok) throw new Error(`bench set-up: ${what}: ${r.message ?? 'failed'}`);
  };
  fail('tenant', await tollgate.directory.initTenant(
    { tenantId: BENCH_TENANT, country: 'US', currency: 'USD', poolLicenses: workload.poolLicenses, name: 'Contoso (bench)' },
    BENCH_ADMIN,
  ));
  const csv = fs.readFileSync(RATES_CSV_PATH, 'utf8');
  fail('rate card', await store.inTransaction((tx) => storeRateCardCsv(tx, csv, { tenant_id: BENCH_TENANT, currency: 'USD' })));
  fail('users', await tollgate.directory.importUsersCsv(BENCH_TENANT, workload.usersCsv, BENCH_ADMIN));
  fail('funding', await tollgate.ledger.fund(BENCH_TENANT, 5_000_000_000, BENCH_ADMIN, 'bench funding'));
  fail('auto-recharge', await tollgate.ledger.setAutoRecharge(BENCH_TENANT, 1_000_000_000, 5_000_000_000, BENCH_ADMIN));
  return { tollgate, clock };
}
