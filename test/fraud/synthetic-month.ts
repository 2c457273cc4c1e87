import { parsePhoneNumber } from '../../src/billing/phone-number';
import type { FraudPattern } from '../../src/fraud/fraud-patterns';
import { utcOffsetMs } from '../../src/fraud/time-zones';
import { seededRandom } from '../support/seeded-random';

/**
 * A synthetic month of meeting call records for one US-based company with 200 meeting organizers, for proving the
 * toll-fraud guard: four weeks of history (so every organizer has a 28-day baseline and the tenant has learned its
 * countries), then November 2026, into which ten fraud scenarios are injected (two of each pattern).
 *
 * The normal traffic is meant to be ordinary, not clean: organizers in the US, UK, Germany, France, India and Japan
 * with their own activity level, most meetings in working hours of their REAL time zone (a third of the US
 * organizers are on the West Coast and a fifth on the East Coast, which the guard only knows as "US", Central time),
 * some evening meetings, dial-outs mostly domestic, some to the company's usual partner countries and mobiles, some
 * unanswered or very short, the odd big all-hands with several long dial-outs, and two legitimate first calls to a
 * country nobody had called before (a new customer). Deterministic for a seed.
 */

export const ORGANIZERS = 200;
export const HISTORY_FROM = Date.UTC(2026, 9, 4); // 28 days before November
export const MONTH_FROM = Date.UTC(2026, 10, 1);
export const MONTH_TO = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;
const MIN = 60_000;

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: Rand, n: number) => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
const exp = (r: Rand, mean: number) => -Math.log(1 - r()) * mean;

/** Number templates per kind; every number made is checked with the rating engine's own parser. */
const TEMPLATES: Record<string, (r: Rand) => string> = {
  US: (r) => `+1${pick(r, ['202', '212', '312', '415', '617', '206', '303', '404', '512', '713'])}${int(r, 2, 9)}${digits(r, 6)}`,
  CA: (r) => `+1${pick(r, ['416', '613', '604'])}${int(r, 2, 9)}${digits(r, 6)}`,
  GB: (r) => `+44207${int(r, 1, 9)}${digits(r, 6)}`,
  GBm: (r) => `+447${pick(r, ['4', '5', '7', '8', '9'])}${digits(r, 8)}`,
  DE: (r) => `+49${pick(r, ['30', '89', '69', '40'])}${int(r, 1, 9)}${digits(r, 7)}`,
  DEm: (r) => `+49${pick(r, ['151', '160', '170', '171', '176'])}${digits(r, 8)}`,
  FR: (r) => `+331${digits(r, 8)}`,
  FRm: (r) => `+336${digits(r, 8)}`,
  JP: (r) => `+813${digits(r, 8)}`,
  IN: (r) => `+9111${int(r, 2, 4)}${digits(r, 7)}`,
  AU: (r) => `+612${int(r, 8, 9)}${digits(r, 7)}`,
  SG: (r) => `+656${digits(r, 7)}`,
  NL: (r) => `+3120${digits(r, 7)}`,
  BR: (r) => `+5511${int(r, 2, 4)}${digits(r, 7)}`,
  MX: (r) => `+5255${int(r, 1, 9)}${digits(r, 7)}`,
  // Fraud destinations.
  GBpremium: (r) => `+44909879${digits(r, 4)}`,
  USpremium: (r) => `+1900${int(r, 2, 9)}${digits(r, 6)}`,
  NG: (r) => `+23480${int(r, 2, 9)}${digits(r, 7)}`,
  KE: (r) => `+2547${int(r, 0, 2)}${digits(r, 7)}`,
};

function numberOf(r: Rand, kind: string): string {
  for (let i = 0; i < 1000; i++) {
    const n = TEMPLATES[kind]!(r);
    if (parsePhoneNumber(n).ok) return n;
  }
  throw new Error(`cannot make a valid ${kind} number`);
}

const HOME: { country: string; weight: number; zones: [zone: string, share: number][]; mobile?: string }[] = [
  { country: 'US', weight: 55, zones: [['America/Chicago', 0.45], ['America/Los_Angeles', 0.33], ['America/New_York', 0.22]] },
  { country: 'GB', weight: 15, zones: [['Europe/London', 1]], mobile: 'GBm' },
  { country: 'DE', weight: 15, zones: [['Europe/Berlin', 1]], mobile: 'DEm' },
  { country: 'FR', weight: 5, zones: [['Europe/Paris', 1]], mobile: 'FRm' },
  { country: 'IN', weight: 5, zones: [['Asia/Kolkata', 1]] },
  { country: 'JP', weight: 5, zones: [['Asia/Tokyo', 1]] },
];
/** The countries the company calls besides home: every one of them is called in the first days of history. */
const PARTNERS = ['US', 'GB', 'DE', 'FR', 'JP', 'IN', 'AU', 'CA', 'SG', 'NL'];
const BRIDGES = { US: '+12065550100', GB: '+442079460000', DE: '+4930123456' } as const;

export interface SyntheticOrganizer {
  id: string;
  upn: string;
  country: string;
  /** Where the organizer really is (the guard only knows the country). */
  zone: string;
  /** Meetings per working day. */
  meetingsPerDay: number;
  contacts: string[];
}

export interface InjectedScenario {
  name: string;
  organizerId: string;
  pattern: FraudPattern;
  legIds: string[];
}

export interface SyntheticMonth {
  organizers: SyntheticOrganizer[];
  usersCsv: string;
  /** Graph pstnCallLogRow records in start-time order (as Graph pages them). */
  records: Record<string, unknown>[];
  scenarios: InjectedScenario[];
  /** Every injected leg. */
  fraudLegIds: Set<string>;
  /** Legitimate first calls to a new country (they are expected to raise an incident: a false alarm, counted). */
  legitimateNewCountries: { organizerId: string; country: string; at: string }[];
}

/** Local wall-clock time in `zone` → UTC epoch ms. */
function utcOf(zone: string, localWallMs: number): number {
  const guess = localWallMs - utcOffsetMs(zone, localWallMs);
  return localWallMs - utcOffsetMs(zone, guess);
}

export function generateSyntheticMonth(seed = 20261101): SyntheticMonth {
  const r = seededRandom(seed);
  const organizers: SyntheticOrganizer[] = [];
  const totalWeight = HOME.reduce((s, h) => s + h.weight, 0);
  for (let i = 0; i < ORGANIZERS; i++) {
    let x = r() * totalWeight;
    const home = HOME.find((h) => (x -= h.weight) < 0) ?? HOME[0]!;
    let y = r();
    const zone = home.zones.find(([, share]) => (y -= share) < 0)?.[0] ?? home.zones[0]![0];
    const contacts = Array.from({ length: int(r, 4, 12) }, () => numberOf(r, r() < 0.8 ? home.country : pick(r, PARTNERS.filter((p) => p !== home.country))));
    organizers.push({
      id: `org-${String(i).padStart(3, '0')}`,
      upn: `organizer${i}@contoso.example`,
      country: home.country,
      zone,
      meetingsPerDay: pick(r, [0.2, 0.5, 0.8, 1.2, 1.2, 2, 3]),
      contacts,
    });
  }
  const usersCsv =
    'aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn\n' +
    organizers.map((o, i) => [o.id, o.upn, `Organizer ${i}`, o.country, i % 10 === 9 ? 'MCOMEETACPEA;MCOPSTNPP' : 'MCOMEETADV;MCOPSTNPP', '', 'true'].join(',')).join('\n') +
    '\n';

  const records: Record<string, unknown>[] = [];
  let seq = 0;
  const row = (o: SyntheticOrganizer, callType: 'conf_in' | 'conf_out', number: string, startMs: number, seconds: number, conferenceId: string) => {
    seq += 1;
    const id = `leg-${String(seq).padStart(6, '0')}`;
    records.push({
      id,
      callId: `call-${seq}`,
      callType,
      calleeNumber: number,
      callerNumber: callType === 'conf_out' ? BRIDGES.US : o.contacts[0],
      userId: o.id,
      userPrincipalName: o.upn,
      conferenceId,
      inventoryType: 'Toll',
      startDateTime: new Date(startMs).toISOString(),
      endDateTime: new Date(startMs + seconds * 1000).toISOString(),
      duration: seconds,
      charge: null,
      currency: 'USD',
    });
    return id;
  };
  const dialOutDuration = (): number => {
    const x = r();
    if (x < 0.06) return 0; // unanswered
    if (x < 0.14) return int(r, 8, 90); // a wrong number, a voicemail, a quick check-in
    return Math.min(3 * 3600, Math.round(120 + exp(r, 22 * 60)));
  };

  // Normal traffic, day by day, in each organizer's real working hours.
  let meetingSeq = 0;
  for (let day = HISTORY_FROM; day < MONTH_TO; day += DAY) {
    const weekday = new Date(day).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    for (const o of organizers) {
      const mean = o.meetingsPerDay * (weekend ? 0.08 : 1);
      let meetings = 0;
      for (let k = 0; k < 6; k++) if (r() < mean / 6) meetings++;
      for (let m = 0; m < meetings; m++) {
        meetingSeq += 1;
        const conferenceId = `conf-${meetingSeq}`;
        const when = r();
        const localHour = when < 0.88 ? 8 + r() * 9.5 : when < 0.985 ? 17.5 + r() * 3.5 : 21 + r() * 2.5;
        const start = utcOf(o.zone, day + Math.round(localHour * 4) * 15 * MIN);
        const length = pick(r, [30, 30, 45, 60, 60, 90]) * MIN;
        for (let k = int(r, 0, 3); k > 0; k--) row(o, 'conf_in', BRIDGES[(o.country in BRIDGES ? o.country : 'US') as keyof typeof BRIDGES], start + int(r, 0, 5) * MIN, int(r, 60, length / 1000), conferenceId);
        // All-hands: now and then a big meeting dials out to several people for most of an hour or more.
        const allHands = !weekend && r() < 0.001;
        const outs = allHands ? int(r, 3, 4) : r() < 0.45 ? 0 : Math.min(4, 1 + Math.floor(exp(r, 0.8)));
        for (let k = 0; k < outs; k++) {
          const kind = r();
          const number = kind < 0.7 ? pick(r, o.contacts) : kind < 0.85 ? numberOf(r, pick(r, PARTNERS.filter((p) => p !== o.country))) : numberOf(r, HOME.find((h) => h.country === o.country)?.mobile ?? o.country);
          row(o, 'conf_out', number, start + int(r, 0, 5) * MIN, allHands ? int(r, 40, 70) * 60 : dialOutDuration(), conferenceId);
        }
      }
    }
  }

  // Two legitimate first calls to a country nobody had called: a new customer in Brazil, one in Mexico.
  const legitimateNewCountries: SyntheticMonth['legitimateNewCountries'] = [];
  for (const [i, country, date] of [[17, 'BR', Date.UTC(2026, 10, 9)], [121, 'MX', Date.UTC(2026, 10, 23)]] as const) {
    const o = organizers[i]!;
    const at = utcOf(o.zone, date + 11 * 3600_000);
    row(o, 'conf_out', numberOf(r, country), at, 25 * 60, `conf-new-customer-${country}`);
    legitimateNewCountries.push({ organizerId: o.id, country, at: new Date(at).toISOString() });
  }

  // The fraud.
  const scenarios: InjectedScenario[] = [];
  const inject = (name: string, organizerIndex: number, pattern: FraudPattern, legs: (o: SyntheticOrganizer, add: (number: string, startMs: number, seconds: number) => void) => void) => {
    const o = organizers[organizerIndex]!;
    const legIds: string[] = [];
    const conferenceId = `conf-fraud-${scenarios.length + 1}`;
    legs(o, (number, startMs, seconds) => legIds.push(row(o, 'conf_out', number, startMs, seconds, conferenceId)));
    scenarios.push({ name, organizerId: o.id, pattern, legIds });
  };
  const local = (o: SyntheticOrganizer, y: number, m: number, d: number, h: number, min = 0) => utcOf(o.zone, Date.UTC(y, m, d, h, min));

  inject('premium UK numbers, an evening', 3, 'premium_rate', (o, add) => {
    for (let k = 0; k < 8; k++) add(numberOf(r, 'GBpremium'), local(o, 2026, 10, 12, 19, k * 12), int(r, 20, 45) * 60);
  });
  inject('US 1-900 numbers from a meeting', 40, 'premium_rate', (o, add) => {
    for (let k = 0; k < 5; k++) add(numberOf(r, 'USpremium'), local(o, 2026, 10, 16, 14, k * 3), int(r, 15, 30) * 60);
  });
  inject('a dozen concurrent dial-outs for two hours', 7, 'minutes_spike', (o, add) => {
    for (let k = 0; k < 12; k++) add(numberOf(r, pick(r, ['GB', 'DE', 'FR'])), local(o, 2026, 10, 18, 9, k), int(r, 90, 120) * 60);
  });
  inject('dial-out all day long, one call after another', 66, 'minutes_spike', (o, add) => {
    let t = local(o, 2026, 10, 25, 7);
    for (let k = 0; k < 14; k++) {
      const seconds = int(r, 50, 58) * 60;
      add(numberOf(r, pick(r, ['GB', 'IN', 'JP'])), t, seconds);
      t += seconds * 1000 + 30_000;
    }
  });
  inject('calls to Nigeria', 12, 'new_country', (o, add) => {
    for (let k = 0; k < 4; k++) add(numberOf(r, 'NG'), local(o, 2026, 10, 20, 10, k * 25), int(r, 20, 40) * 60);
  });
  inject('calls to Kenya', 150, 'new_country', (o, add) => {
    for (let k = 0; k < 3; k++) add(numberOf(r, 'KE'), local(o, 2026, 10, 6, 15, k * 40), int(r, 15, 35) * 60);
  });
  inject('short calls testing a London number range', 25, 'short_call_burst', (o, add) => {
    for (let k = 0; k < 25; k++) add(`+442079460${String(100 + k * 7).slice(-3)}`, local(o, 2026, 10, 24, 13, k * 2), int(r, 8, 40));
  });
  inject('short calls testing a Berlin number range', 88, 'short_call_burst', (o, add) => {
    for (let k = 0; k < 16; k++) add(`+49301234${String(5000 + k * 37).slice(-4)}`, local(o, 2026, 10, 10, 11, k * 3), int(r, 5, 30));
  });
  inject('a meeting dialing out at 3 am', 55, 'night_hours', (o, add) => {
    for (let k = 0; k < 3; k++) add(pick(r, o.contacts), local(o, 2026, 10, 27, 2, k * 20), int(r, 25, 40) * 60);
  });
  inject('an organizer in London dialing out at night', 101, 'night_hours', (o, add) => {
    for (let k = 0; k < 2; k++) add(numberOf(r, 'GB'), local(o, 2026, 10, 14, 1, 10 + k * 45), int(r, 30, 40) * 60);
  });

  records.sort((a, b) => (a.startDateTime as string).localeCompare(b.startDateTime as string) || (a.id as string).localeCompare(b.id as string));
  return {
    organizers,
    usersCsv,
    records,
    scenarios,
    fraudLegIds: new Set(scenarios.flatMap((s) => s.legIds)),
    legitimateNewCountries,
  };
}
