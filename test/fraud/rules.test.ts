import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultFraudSettings, type FraudSettings } from '../../src/fraud/fraud-settings';
import { emptyDay, emptyHistoryRows, hoursFromText, hoursText, key, legFacts, RecentHistory, type DayTotals, type DialOut, type HistoryRows } from '../../src/fraud/recent-history';
import { blockedBy, checkDialOut, episodeOf, parseBlockTarget, type CheckContext } from '../../src/fraud/rules';
import { domesticOnlyPolicy } from '../../src/fraud/restrict-policy';

const T0 = Date.parse('2026-11-10T15:00:00Z'); // 09:00 in Chicago, 16:00 in Berlin
const MIN = 60;

function dialOut(over: Partial<DialOut> = {}): DialOut {
  return {
    legId: 'leg',
    organizerKey: 'org-1',
    organizerCountry: 'US',
    startMs: T0,
    durationSeconds: 10 * MIN,
    destinationCountry: 'GB',
    digits: '442079460958',
    ratePerMinuteMicros: 40_000,
    chargeMicros: 400_000,
    conferenceId: 'conf-1',
    ...over,
  };
}

/** History that began long ago with calls to the usual countries. */
function rows(over: Partial<HistoryRows> = {}): HistoryRows {
  const r = emptyHistoryRows();
  for (const c of ['US', 'GB', 'DE']) r.countries.set(c, Date.parse('2026-01-01T00:00:00Z'));
  return { ...r, ...over };
}

/** Stored days of org-1: seconds that day, seconds per UTC hour, night seconds. */
function days(entries: [day: string, over: { seconds?: number; hours?: Record<number, number>; night?: number }][]): Map<string, DayTotals> {
  return new Map(
    entries.map(([day, o]) => {
      const d = emptyDay();
      for (const [h, v] of Object.entries(o.hours ?? {})) d.hours[Number(h)] = v;
      d.seconds = o.seconds ?? d.hours.reduce((a, b) => a + b, 0);
      d.night = o.night ?? 0;
      return [key('org-1', day), d];
    }),
  );
}

function settle(leg: DialOut, r: HistoryRows = rows(), settings: FraudSettings = defaultFraudSettings(), ctx: Partial<CheckContext> = {}) {
  const f = legFacts(leg, settings);
  const h = new RecentHistory(r);
  h.record(leg, f);
  return checkDialOut(leg, f, h, { settings, tenantCountry: 'US', mode: 'settle', ...ctx });
}

function probe(leg: DialOut, r: HistoryRows = rows(), settings: FraudSettings = defaultFraudSettings()) {
  const f = legFacts({ ...leg, durationSeconds: 0 }, settings);
  return checkDialOut({ ...leg, durationSeconds: 0 }, f, new RecentHistory(r), { settings, tenantCountry: 'US', mode: 'probe' });
}

const patterns = (m: { pattern: string }[]) => m.map((x) => x.pattern);

describe('an ordinary dial-out', () => {
  it('matches nothing', () => {
    expect(settle(dialOut())).toEqual([]);
    expect(probe(dialOut())).toEqual([]);
  });
});

describe('premium_rate', () => {
  it('matches a rate above the ceiling, and blocks the rate-card prefix (else the number range)', () => {
    const m = settle(dialOut({ ratePerMinuteMicros: 1_500_000, digits: '449098790123', ratePrefix: '449' }));
    expect(m).toEqual([{ pattern: 'premium_rate', detail: { pattern: 'premium_rate', ratePerMinuteMicros: 1_500_000, ceilingMicros: 1_000_000 }, blockTarget: '+449' }]);
    expect(settle(dialOut({ ratePerMinuteMicros: 1_500_000, digits: '449098790123' }))[0]!.blockTarget).toBe('+449098790');
  });

  it('does not match at the ceiling, without a rate, or when the rule is off', () => {
    expect(settle(dialOut({ ratePerMinuteMicros: 1_000_000 }))).toEqual([]);
    expect(settle(dialOut({ ratePerMinuteMicros: null }))).toEqual([]);
    expect(settle(dialOut({ ratePerMinuteMicros: 2_000_000 }), rows(), { ...defaultFraudSettings(), disabled: ['premium_rate'] })).toEqual([]);
  });

  it('follows the tenant ceiling, and refuses in real time too', () => {
    expect(patterns(settle(dialOut({ ratePerMinuteMicros: 300_000 }), rows(), { ...defaultFraudSettings(), rateCeilingMicros: 250_000 }))).toEqual(['premium_rate']);
    expect(patterns(probe(dialOut({ ratePerMinuteMicros: 2_000_000 })))).toEqual(['premium_rate']);
  });
});

describe('minutes_spike', () => {
  it("matches more minutes in one clock hour than the floor when the organizer's baseline is small", () => {
    // 3 hours 50 min already in this hour from earlier legs (concurrent lines), plus this 20-minute leg.
    const r = rows({ days: days([['2026-11-10', { hours: { 15: 230 * MIN } }]]) });
    const m = settle(dialOut({ durationSeconds: 20 * MIN }), r);
    expect(m).toEqual([
      {
        pattern: 'minutes_spike',
        detail: { pattern: 'minutes_spike', window: 'hour', minutes: 250, limitMinutes: 240, baselineMinutesPerDay: 0 },
        blockTarget: 'GB',
      },
    ]);
  });

  it('spreads a long call over the hours it spans: one 3-hour call is never 180 minutes in one hour', () => {
    const leg = dialOut({ durationSeconds: 180 * MIN, startMs: Date.parse('2026-11-10T15:30:00Z') });
    const f = legFacts(leg, defaultFraudSettings());
    expect(f.hours).toEqual([15, 16, 17, 18].map((hour, i) => ({ day: '2026-11-10', hour, seconds: i === 0 || i === 3 ? 1800 : 3600 })));
    expect(settle(leg)).toEqual([]);
  });

  it('scales with the 28-day baseline: a heavy user needs more than the floor', () => {
    // 28 days × 100 min a day: the hour limit is 3 × 100 = 300 min, the day limit 5 × 100 = 500 min.
    const baseline = new Map([[key('org-1', '2026-11-10'), 28 * 100 * MIN]]);
    const hour = () => days([['2026-11-10', { hours: { 15: 280 * MIN } }]]);
    expect(settle(dialOut({ durationSeconds: 10 * MIN }), rows({ baselines: baseline, days: hour() }))).toEqual([]);
    expect(patterns(settle(dialOut({ durationSeconds: 10 * MIN }), rows({ days: hour() })))).toEqual(['minutes_spike']);
  });

  it('matches a day far above normal spread over many hours', () => {
    const m = settle(dialOut({ durationSeconds: 10 * MIN }), rows({ days: days([['2026-11-10', { seconds: 475 * MIN }]]) }));
    expect(m[0]!.detail).toEqual({ pattern: 'minutes_spike', window: 'day', minutes: 485, limitMinutes: 480, baselineMinutesPerDay: 0 });
  });

  it('in real time: an organizer already above the limit this hour is refused further dial-outs', () => {
    expect(patterns(probe(dialOut(), rows({ days: days([['2026-11-10', { hours: { 15: 241 * MIN } }]]) })))).toEqual(['minutes_spike']);
    expect(probe(dialOut(), rows({ days: days([['2026-11-10', { hours: { 15: 239 * MIN } }]]) }))).toEqual([]);
  });
});

describe('new_country', () => {
  it('matches the first call to a country nobody called, and calls to it in the next 24 hours', () => {
    const m = settle(dialOut({ destinationCountry: 'NG', digits: '2348012345678' }));
    expect(m).toEqual([{ pattern: 'new_country', detail: { pattern: 'new_country', country: 'NG', firstCallMs: T0 }, blockTarget: 'NG' }]);
    const r = rows();
    r.countries.set('NG', T0 - 23 * 3_600_000);
    expect(patterns(settle(dialOut({ destinationCountry: 'NG' }), r))).toEqual(['new_country']);
    r.countries.set('NG', T0 - 25 * 3_600_000);
    expect(settle(dialOut({ destinationCountry: 'NG' }), r)).toEqual([]);
  });

  it("never matches the tenant's or the organizer's own country", () => {
    const fresh = emptyHistoryRows();
    fresh.countries.set('GB', Date.parse('2026-01-01T00:00:00Z'));
    expect(settle(dialOut({ destinationCountry: 'US', digits: '12025550123' }), fresh)).toEqual([]);
    expect(settle(dialOut({ organizerCountry: 'DE', destinationCountry: 'DE', digits: '4930123456' }), fresh)).toEqual([]);
  });

  it('is quiet while the tenant is learning its countries (its first dial-out is younger than learning-days)', () => {
    const young = emptyHistoryRows();
    young.countries.set('US', T0 - 13 * 86_400_000);
    expect(settle(dialOut({ destinationCountry: 'NG' }), young)).toEqual([]);
    young.countries.set('US', T0 - 15 * 86_400_000);
    expect(patterns(settle(dialOut({ destinationCountry: 'NG' }), young))).toEqual(['new_country']);
    // The very first dial-out of a tenant starts the learning period.
    expect(settle(dialOut({ destinationCountry: 'NG' }), emptyHistoryRows())).toEqual([]);
  });

  it('in real time: a country never called is new', () => {
    expect(patterns(probe(dialOut({ destinationCountry: 'NG' })))).toEqual(['new_country']);
    expect(probe(dialOut())).toEqual([]);
  });
});

describe('short_call_burst', () => {
  const range = '442079460';
  it('matches the short call that makes it 10 to one number range in a day', () => {
    const nine = rows({ shortCalls: new Map([[key(range, '2026-11-10'), 9]]) });
    const m = settle(dialOut({ durationSeconds: 12 }), nine);
    expect(m).toEqual([{ pattern: 'short_call_burst', detail: { pattern: 'short_call_burst', range, shortCalls: 10, day: '2026-11-10' }, blockTarget: `+${range}` }]);
    const eight = rows({ shortCalls: new Map([[key(range, '2026-11-10'), 8]]) });
    expect(settle(dialOut({ durationSeconds: 12 }), eight)).toEqual([]);
  });

  it('counts connected calls up to short-call-seconds only: unanswered and long calls are not short', () => {
    const nine = rows({ shortCalls: new Map([[key(range, '2026-11-10'), 9]]) });
    expect(settle(dialOut({ durationSeconds: 0 }), nine)).toEqual([]);
    expect(settle(dialOut({ durationSeconds: 61 }), nine)).toEqual([]);
    expect(patterns(settle(dialOut({ durationSeconds: 60 }), nine))).toEqual(['short_call_burst']);
  });

  it('the range is the number without its last range-digits digits', () => {
    expect(legFacts(dialOut(), { ...defaultFraudSettings(), rangeDigits: 5 }).range).toBe('4420794');
  });

  it('in real time: a range that already had 10 short calls today is refused', () => {
    expect(patterns(probe(dialOut(), rows({ shortCalls: new Map([[key(range, '2026-11-10'), 10]]) })))).toEqual(['short_call_burst']);
  });
});

describe('night_hours', () => {
  // 08:30 UTC is 02:30 in Chicago (CST, UTC-6 in November).
  const night = Date.parse('2026-11-10T08:30:00Z');

  it("matches once the organizer's night has 30 dial-out minutes, in their usage location's time zone", () => {
    expect(settle(dialOut({ startMs: night, durationSeconds: 20 * MIN }))).toEqual([]);
    const r = rows({ days: days([['2026-11-10', { night: 15 * MIN }]]) });
    expect(settle(dialOut({ startMs: night, durationSeconds: 20 * MIN }), r)).toEqual([
      { pattern: 'night_hours', detail: { pattern: 'night_hours', localTime: '02:30', timeZone: 'America/Chicago', nightMinutes: 35 }, blockTarget: 'GB' },
    ]);
  });

  it('the same moment is daytime for an organizer in Germany (09:30 in Berlin)', () => {
    const r = rows({ days: days([['2026-11-10', { night: 60 * MIN }]]) });
    expect(settle(dialOut({ organizerCountry: 'DE', startMs: night, durationSeconds: 40 * MIN }), r)).toEqual([]);
  });

  it('an admin-set zone wins over the country table', () => {
    const settings = { ...defaultFraudSettings(), timeZones: { US: 'America/Los_Angeles' } };
    // 09:30 UTC is 01:30 in Los Angeles (03:30 in Chicago): night in both; 08:30 UTC is 00:30 there, not yet night.
    expect(legFacts(dialOut({ startMs: night + 3_600_000 }), settings)).toMatchObject({ timeZone: 'America/Los_Angeles', night: '2026-11-10' });
    expect(legFacts(dialOut({ startMs: night }), settings).night).toBeUndefined();
    expect(legFacts(dialOut({ startMs: night }), defaultFraudSettings()).night).toBe('2026-11-10');
    expect(legFacts(dialOut({ startMs: Date.parse('2026-11-10T14:00:00Z') }), settings).night).toBeUndefined();
  });

  it('a night across midnight (22 to 6) is one night, keyed by the day it began', () => {
    const settings = { ...defaultFraudSettings(), nightStartHour: 22, nightEndHour: 6 };
    // 05:00 UTC = 23:00 Chicago on the 9th; 10:00 UTC = 04:00 Chicago on the 10th: both the night of the 9th.
    expect(legFacts(dialOut({ startMs: Date.parse('2026-11-10T05:00:00Z') }), settings).night).toBe('2026-11-09');
    expect(legFacts(dialOut({ startMs: Date.parse('2026-11-10T10:00:00Z') }), settings).night).toBe('2026-11-09');
    expect(legFacts(dialOut({ startMs: Date.parse('2026-11-10T13:00:00Z') }), settings).night).toBeUndefined();
  });

  it('follows daylight saving time (Chicago is UTC-5 in July)', () => {
    // The night is 01:00 to 05:00. 06:30 UTC in July is 01:30 CDT: night; 10:30 UTC is 05:30 CDT: not night; in
    // November 10:30 UTC is 04:30 CST: night.
    expect(legFacts(dialOut({ startMs: Date.parse('2026-07-10T06:30:00Z') }), defaultFraudSettings()).night).toBe('2026-07-10');
    expect(legFacts(dialOut({ startMs: Date.parse('2026-07-10T10:30:00Z') }), defaultFraudSettings()).night).toBeUndefined();
    expect(legFacts(dialOut({ startMs: Date.parse('2026-11-10T10:30:00Z') }), defaultFraudSettings()).night).toBe('2026-11-10');
  });
});

describe('a settled leg sees the legs recorded before it', () => {
  it('ten short calls in a row: the tenth matches, once the history holds the nine before', () => {
    const settings = defaultFraudSettings();
    const h = new RecentHistory(rows());
    const found: string[][] = [];
    for (let i = 0; i < 10; i++) {
      const leg = dialOut({ legId: `l${i}`, startMs: T0 + i * 60_000, durationSeconds: 15, digits: `44207946${String(i).padStart(4, '0')}` });
      const f = legFacts(leg, settings);
      h.record(leg, f);
      found.push(patterns(checkDialOut(leg, f, h, { settings, tenantCountry: 'US', mode: 'settle' })));
    }
    expect(found.slice(0, 9).every((p) => p.length === 0)).toBe(true);
    expect(found[9]).toEqual(['short_call_burst']);
    expect(h.added.shortCalls.get(key('442079460', '2026-11-10'))).toBe(10);
  });

  it("yesterday's recorded legs count in today's baseline, not in today's total", () => {
    const h = new RecentHistory(rows());
    const settings = defaultFraudSettings();
    const y = dialOut({ startMs: T0 - 86_400_000, durationSeconds: 56 * MIN });
    h.record(y, legFacts(y, settings));
    expect(h.baselineSeconds('org-1', '2026-11-10')).toBe(56 * MIN);
    expect(h.daySeconds('org-1', '2026-11-10')).toBe(0);
    expect(h.baselineSeconds('org-1', '2026-12-09')).toBe(0);
  });

  it("a recorded leg on a stored day adds only itself to the baseline (the stored day is in the stored sum)", () => {
    const stored = { seconds: 100 * MIN, legs: 2, hours: hoursFromText(`9:${100 * MIN}`), night: 0 };
    const h = new RecentHistory(rows({ days: new Map([[key('org-1', '2026-11-09'), stored]]), baselines: new Map([[key('org-1', '2026-11-10'), 100 * MIN]]) }));
    const y = dialOut({ startMs: T0 - 86_400_000, durationSeconds: 56 * MIN });
    h.record(y, legFacts(y, defaultFraudSettings()));
    expect(h.daySeconds('org-1', '2026-11-09')).toBe(156 * MIN);
    expect(h.baselineSeconds('org-1', '2026-11-10')).toBe(156 * MIN);
  });
});

describe('the days a history changed', () => {
  it("gives what its legs added to each day's sums (the store adds them to the row it holds) and the day's hours whole", () => {
    const stored = { seconds: 100 * MIN, legs: 2, hours: hoursFromText(`9:${100 * MIN}`), night: 0 };
    const h = new RecentHistory(rows({ days: new Map([[key('org-1', '2026-11-09'), stored]]) }));
    const settings = defaultFraudSettings();
    // A leg on the stored day, one on a day of its own, and one of another organizer on the stored day's date.
    for (const leg of [
      dialOut({ legId: 'a', startMs: T0 - 86_400_000, durationSeconds: 60 }),
      dialOut({ legId: 'b', startMs: T0, durationSeconds: 60 }),
      dialOut({ legId: 'c', organizerKey: 'org-2', startMs: T0 - 86_400_000, durationSeconds: 60 }),
    ]) {
      h.record(leg, legFacts(leg, settings));
    }
    const added = h.addedDays().map(([organizer, day, totals, hours]) => [organizer, day, totals.seconds, totals.legs, hoursText(hours)]);
    expect(added.sort()).toEqual([
      ['org-1', '2026-11-09', 60, 1, `9:${100 * MIN} 15:60`],
      ['org-1', '2026-11-10', 60, 1, '15:60'],
      ['org-2', '2026-11-09', 60, 1, '15:60'],
    ]);
    // The stored day still reads whole.
    expect(h.daySeconds('org-1', '2026-11-09')).toBe(100 * MIN + 60);
  });
});

describe('a day as stored', () => {
  it('keeps the hours with dial-out, and reads back the same 24 hours', () => {
    const hours = emptyDay().hours;
    hours[0] = 15;
    hours[9] = 1800;
    hours[23] = 3600;
    expect(hoursText(hours)).toBe('0:15 9:1800 23:3600');
    expect(hoursFromText(hoursText(hours))).toEqual(hours);
    expect(hoursText(emptyDay().hours)).toBe('');
    expect(hoursFromText('')).toEqual(emptyDay().hours);
  });

  it('reads an hour named more than once as their sum', () => {
    const hours = hoursFromText('9:600 10:60 9:300 23:5 9:1');
    expect([hours[9], hours[10], hours[23], hours.reduce((a, b) => a + b, 0)]).toEqual([901, 60, 5, 966]);
  });
});

describe('episodes, the block list and the restriction', () => {
  it('names what a match is about', () => {
    const f = { day: '2026-11-10', night: '2026-11-09' };
    expect(episodeOf(settle(dialOut({ destinationCountry: 'NG' }))[0]!, f)).toBe('NG');
    expect(episodeOf({ pattern: 'night_hours', detail: { pattern: 'night_hours', localTime: '02:00', timeZone: 'UTC', nightMinutes: 40 }, blockTarget: 'GB' }, f)).toBe('night 2026-11-09');
  });

  it('blocks by country or by number prefix', () => {
    expect(blockedBy(['NG', '+449'], { digits: '449098790123', country: 'GB' })).toBe('+449');
    expect(blockedBy(['NG', '+449'], { digits: '2348012345678', country: 'NG' })).toBe('NG');
    expect(blockedBy(['NG', '+449'], { digits: '442079460958', country: 'GB' })).toBeUndefined();
    expect(parseBlockTarget(' ng ')).toEqual({ ok: true, target: 'NG' });
    expect(parseBlockTarget('+44 (909) 8')).toEqual({ ok: true, target: '+449098' });
    expect(parseBlockTarget('Nigeria').ok).toBe(false);
    expect(parseBlockTarget('+').ok).toBe(false);
  });

  it('restricts meeting dial-out to domestic and keeps the PSTN half; never loosens a stricter policy', () => {
    expect(domesticOnlyPolicy('DialoutCPCandPSTNInternational')).toBe('DialoutCPCDomesticPSTNInternational');
    expect(domesticOnlyPolicy('DialoutCPCInternationalPSTNDomestic')).toBe('DialoutCPCandPSTNDomestic');
    expect(domesticOnlyPolicy('DialoutCPCZoneAPSTNDisabled')).toBe('DialoutCPCDomesticPSTNDisabled');
    expect(domesticOnlyPolicy('DialoutCPCandPSTNDomestic')).toBe('DialoutCPCandPSTNDomestic');
    expect(domesticOnlyPolicy('DialoutCPCDisabledPSTNInternational')).toBe('DialoutCPCDisabledPSTNInternational');
  });
});

describe('the rules are pure', () => {
  const dir = join(__dirname, '../../src/fraud');
  const pure = ['fraud-patterns.ts', 'fraud-settings.ts', 'incident-words.ts', 'recent-history.ts', 'restrict-policy.ts', 'rules.ts', 'time-zones.ts'];

  it('the pure files are there', () => {
    const files = readdirSync(dir);
    for (const f of pure) expect(files).toContain(f);
  });

  it.each(pure)('%s uses no clock, randomness, I/O or store', (file) => {
    const code = readFileSync(join(dir, file), 'utf8');
    expect(code).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random|performance\.now|crypto/);
    expect(code).not.toMatch(/\bprocess\.|\bconsole\.|setTimeout|setInterval|fetch\(/);
    for (const [, target] of code.matchAll(/from ['"]([^'"]+)['"]/g)) {
      expect([file, target]).toEqual([file, expect.stringMatching(/^\.\/|^\.\.\/billing\/|^\.\.\/outcome$/)]);
    }
  });
});
