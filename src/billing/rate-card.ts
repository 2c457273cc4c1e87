import { parse as parseCsv } from 'csv-parse/sync';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { isCountryCode } from './countries';
import { microsToDecimalString, parseAmount, type Micros } from './money';

/**
 * Rate cards: what a minute costs, by call kind and by the called number.
 *
 * For dial-in the rated number is the bridge's number that was dialed (toll or toll-free); for dial-out it is
 * the destination. Microsoft publishes its rates but Tollgate does not reproduce them: admins load their own
 * card, and the shipped data/rates.sample.csv is a clearly labelled sample.
 */
export type RateKind = 'conf_in_toll' | 'conf_in_tollfree' | 'conf_out';

export const RATE_KINDS: readonly RateKind[] = ['conf_in_toll', 'conf_in_tollfree', 'conf_out'];

export interface Rate {
  kind: RateKind;
  /** E.164 digits without '+'. Empty: the country's default for this kind. */
  prefix: string;
  /**
   * ISO alpha-2, upper-case. A prefixed row matches only numbers of this country, so "1" + US does not price
   * Canadian numbers and "447" + GB does not price Guernsey mobiles. Empty (allowed only with a prefix):
   * any country whose numbers start with the prefix.
   */
  country: string;
  description: string;
  perMinuteMicros: Micros;
  /** Charged once per leg, only when credits pay for some of it and it lasted more than 0 seconds. */
  connectionFeeMicros: Micros;
  /** Billing increment: a leg's duration is rounded up to a whole number of these. */
  incrementSeconds: number;
  currency: string;
  /** YYYY-MM-DD: in force from 00:00 UTC that day. */
  effectiveFrom: string;
}

export const RATE_CARD_COLUMNS = [
  'kind', 'prefix', 'country', 'description', 'perMinute', 'connectionFee', 'incrementSeconds', 'currency', 'effectiveFrom',
] as const;

export const RATE_CARD_HEADER = RATE_CARD_COLUMNS.join(',');

export const DEFAULT_INCREMENT_SECONDS = 60;
export const MAX_INCREMENT_SECONDS = 3600;
const MAX_PREFIX_DIGITS = 15;

export interface RateCardError {
  /** 1-based physical line where the offending record starts. */
  line: number;
  /** What is wrong and how to fix it. */
  reason: string;
}

export type ParsedRateCard = { ok: true; rates: Rate[] } | { ok: false; errors: RateCardError[] };

interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 (csv-parse): quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF ends a record.
 * Beyond the RFC: a line starting with '#' is a comment (the sample card's label) and blank lines are skipped.
 * A syntax error stops the read and is reported with its line.
 */
function readCsv(text: string): { records: CsvRecord[]; errors: RateCardError[] } {
  try {
    const rows = parseCsv(text, {
      bom: true,
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return {
      records: rows.map(({ record, info }) => ({
        // info.lines is where the record ends; a quoted field may have spanned several lines.
        line: info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0),
        fields: record,
      })),
      errors: [],
    };
  } catch (err) {
    const e = err as Error & { lines?: number };
    return { records: [], errors: [{ line: e.lines ?? 1, reason: `not valid CSV: ${e.message.replace(/^Invalid \w+: /, '')}` }] };
  }
}

let currencies: ReadonlySet<string> | undefined;
function isCurrencyCode(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return /^[A-Z]{3}$/.test(code) && currencies.has(code);
}

function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

function isRateKind(text: string): text is RateKind {
  return (RATE_KINDS as readonly string[]).includes(text);
}

/** The calling code of a country, e.g. '49' for DE; undefined for codes libphonenumber does not know. */
function callingCode(country: string): string | undefined {
  return isCountryCode(country) ? getCountryCallingCode(country as CountryCode) : undefined;
}

function rateKey(r: Pick<Rate, 'kind' | 'prefix' | 'country' | 'effectiveFrom'>): string {
  return `${r.kind}|${r.prefix}|${r.country}|${r.effectiveFrom}`;
}

/** Checks one data row; returns the rate or the problems, each naming the column and how to fix it. */
function parseRow(fields: string[]): { rate?: Rate; problems: string[] } {
  const problems: string[] = [];
  const [kind = '', prefix = '', country = '', description = '', perMinute = '', connectionFee = '', increment = '', currency = '', effectiveFrom = ''] =
    fields;

  if (!isRateKind(kind)) problems.push(`kind "${kind}" is not one of ${RATE_KINDS.join(', ')}`);
  if (!/^\d*$/.test(prefix)) problems.push(`prefix "${prefix}" must be E.164 digits only, without '+' or spaces (e.g. 4915)`);
  else if (prefix.length > MAX_PREFIX_DIGITS) problems.push(`prefix "${prefix}" is longer than ${MAX_PREFIX_DIGITS} digits`);

  if (country === '') {
    if (prefix === '') problems.push('a row with an empty prefix needs a country: it is that country\'s default rate');
  } else if (!/^[A-Z]{2}$/.test(country) || !isCountryCode(country)) {
    problems.push(`country "${country}" is not an upper-case ISO 3166 alpha-2 code (e.g. DE)`);
  } else if (prefix !== '' && /^\d+$/.test(prefix)) {
    const code = callingCode(country);
    if (code !== undefined && !prefix.startsWith(code) && !code.startsWith(prefix)) {
      problems.push(`prefix "${prefix}" does not start with ${country}'s calling code ${code}`);
    }
  }

  const perMinuteParsed = parseAmount(perMinute);
  if (!perMinuteParsed.ok) problems.push(`perMinute: ${perMinuteParsed.message}`);
  const feeParsed = connectionFee === '' ? ({ ok: true, micros: 0 } as const) : parseAmount(connectionFee);
  if (!feeParsed.ok) problems.push(`connectionFee: ${feeParsed.message}`);

  let incrementSeconds = DEFAULT_INCREMENT_SECONDS;
  if (increment !== '') {
    incrementSeconds = /^\d+$/.test(increment) ? Number(increment) : NaN;
    if (!(incrementSeconds >= 1 && incrementSeconds <= MAX_INCREMENT_SECONDS)) {
      problems.push(`incrementSeconds "${increment}" must be a whole number of seconds from 1 to ${MAX_INCREMENT_SECONDS} (or empty for ${DEFAULT_INCREMENT_SECONDS})`);
    }
  }
  if (!isCurrencyCode(currency)) problems.push(`currency "${currency}" is not an upper-case ISO 4217 code (e.g. USD)`);
  if (!isIsoDate(effectiveFrom)) problems.push(`effectiveFrom "${effectiveFrom}" is not a date written YYYY-MM-DD (e.g. 2024-01-01)`);

  if (problems.length > 0 || !perMinuteParsed.ok || !feeParsed.ok || !isRateKind(kind)) return { problems };
  return {
    problems,
    rate: {
      kind,
      prefix,
      country,
      description,
      perMinuteMicros: perMinuteParsed.micros,
      connectionFeeMicros: feeParsed.micros,
      incrementSeconds,
      currency,
      effectiveFrom,
    },
  };
}

/**
 * Parses a rate card CSV. The header must be exactly RATE_CARD_HEADER. Every problem is reported with the
 * line its record starts on, not just the first one, so an admin can fix the whole file in one go.
 * Rules beyond the obvious: connectionFee empty = 0; incrementSeconds empty = 60 (1 to 3600 allowed);
 * a prefixed row's country must match the prefix's calling code; one currency per card; no two rows with the
 * same kind, prefix, country and effectiveFrom. A leading byte-order mark is ignored.
 */
export function parseRateCardCsv(text: string): ParsedRateCard {
  const { records, errors } = readCsv(text.replace(/^\uFEFF/, ''));
  const [header, ...rows] = records;
  if (!header) {
    if (errors.length > 0) return { ok: false, errors };
    return { ok: false, errors: [{ line: 1, reason: `the file has no header row: the first line must be ${RATE_CARD_HEADER}` }] };
  }
  if (header.fields.join(',') !== RATE_CARD_HEADER) {
    return {
      ok: false,
      errors: [{ line: header.line, reason: `the header must be exactly ${RATE_CARD_HEADER} (found ${header.fields.join(',')})` }, ...errors],
    };
  }

  const rates: Rate[] = [];
  const seen = new Map<string, number>();
  let cardCurrency: { code: string; line: number } | undefined;
  for (const row of rows) {
    if (row.fields.length !== RATE_CARD_COLUMNS.length) {
      errors.push({
        line: row.line,
        reason: `expected ${RATE_CARD_COLUMNS.length} fields (${RATE_CARD_HEADER}) but found ${row.fields.length}; quote a description that contains commas`,
      });
      continue;
    }
    const { rate, problems } = parseRow(row.fields);
    for (const reason of problems) errors.push({ line: row.line, reason });
    if (!rate) continue;
    if (cardCurrency && rate.currency !== cardCurrency.code) {
      errors.push({ line: row.line, reason: `currency ${rate.currency} differs from ${cardCurrency.code} on line ${cardCurrency.line}: a rate card has one currency` });
      continue;
    }
    cardCurrency ??= { code: rate.currency, line: row.line };
    const key = rateKey(rate);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ line: row.line, reason: `same kind, prefix, country and effectiveFrom as line ${earlier}: keep one of them` });
      continue;
    }
    seen.set(key, row.line);
    rates.push(rate);
  }
  errors.sort((a, b) => a.line - b.line);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rates };
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value.startsWith('#') ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes rates back as a rate card CSV that parseRateCardCsv reads to the same rates. */
export function rateCardToCsv(rates: readonly Rate[]): string {
  const lines = rates.map((r) =>
    [
      r.kind,
      r.prefix,
      r.country,
      r.description,
      microsToDecimalString(r.perMinuteMicros),
      microsToDecimalString(r.connectionFeeMicros),
      String(r.incrementSeconds),
      r.currency,
      r.effectiveFrom,
    ]
      .map(csvField)
      .join(','),
  );
  return [RATE_CARD_HEADER, ...lines].join('\r\n') + '\r\n';
}

function utcDay(at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('a rate lookup needs a valid Date');
  return at.toISOString().slice(0, 10);
}

/** 0000-01-01T00:00Z and 10000-01-01T00:00Z: between them a UTC day is written YYYY-MM-DD and sorts as it runs. */
const FOUR_DIGIT_YEARS_FROM = -62_167_219_200_000;
const FOUR_DIGIT_YEARS_UNTIL = 253_402_300_800_000;

/** A rate with the instant its effectiveFrom day starts (UTC), compared instead of day strings on the hot path. */
interface Dated {
  rate: Rate;
  fromMs: number;
}

/** The rows of one kind and prefix: the any-country row's versions, and each country's, latest effectiveFrom first. */
interface PrefixRows {
  anyCountry: Dated[] | undefined;
  byCountry: Map<string, Dated[]>;
}

interface KindIndex {
  byPrefix: Map<string, PrefixRows>;
  /** The lengths of the kind's non-empty prefixes, longest first: the only ones a number can match at. */
  prefixLengths: number[];
}

/** The first (latest) version in force: by instant, or by the day's text when `day` is given. */
function inForce(list: Dated[] | undefined, time: number, day: string | undefined): Rate | undefined {
  if (list === undefined) return undefined;
  for (const d of list) if (day === undefined ? d.fromMs <= time : d.rate.effectiveFrom <= day) return d.rate;
  return undefined;
}

/**
 * A loaded rate card: answers "which rate applies to this number at this moment".
 * Construct it from trusted rates (parseRateCardCsv's output or a test's literal); inconsistent rates
 * (two currencies, duplicate rows, bad numbers) are a bug and throw.
 */
export class RateCard {
  /** The card's one currency; undefined for an empty card. */
  readonly currency: string | undefined;
  readonly rates: readonly Rate[];
  private readonly index = new Map<RateKind, KindIndex>();

  constructor(rates: readonly Rate[]) {
    const seen = new Set<string>();
    for (const r of rates) {
      if (!isRateKind(r.kind)) throw new Error(`unknown rate kind ${String(r.kind)}`);
      if (!/^\d{0,15}$/.test(r.prefix)) throw new Error(`rate prefix must be digits, got "${r.prefix}"`);
      if (r.prefix === '' && r.country === '') throw new Error('a rate with an empty prefix needs a country');
      if (r.country !== '' && !/^[A-Z]{2}$/.test(r.country)) throw new Error(`rate country must be upper-case ISO alpha-2, got "${r.country}"`);
      if (!Number.isSafeInteger(r.perMinuteMicros) || r.perMinuteMicros < 0) throw new Error(`bad perMinuteMicros ${r.perMinuteMicros}`);
      if (!Number.isSafeInteger(r.connectionFeeMicros) || r.connectionFeeMicros < 0) throw new Error(`bad connectionFeeMicros ${r.connectionFeeMicros}`);
      if (!Number.isInteger(r.incrementSeconds) || r.incrementSeconds < 1) throw new Error(`bad incrementSeconds ${r.incrementSeconds}`);
      if (!isIsoDate(r.effectiveFrom)) throw new Error(`bad effectiveFrom ${r.effectiveFrom}`);
      const key = rateKey(r);
      if (seen.has(key)) throw new Error(`duplicate rate ${key}`);
      seen.add(key);
    }
    const codes = new Set(rates.map((r) => r.currency));
    if (codes.size > 1) throw new Error(`a rate card has one currency, got ${[...codes].join(', ')}`);
    this.currency = rates[0]?.currency;
    this.rates = Object.freeze(rates.map((r) => Object.freeze({ ...r })));
    for (const r of this.rates) {
      let byKind = this.index.get(r.kind);
      if (!byKind) this.index.set(r.kind, (byKind = { byPrefix: new Map(), prefixLengths: [] }));
      let rows = byKind.byPrefix.get(r.prefix);
      if (!rows) {
        byKind.byPrefix.set(r.prefix, (rows = { anyCountry: undefined, byCountry: new Map() }));
        if (r.prefix !== '' && !byKind.prefixLengths.includes(r.prefix.length)) byKind.prefixLengths.push(r.prefix.length);
      }
      let list = r.country === '' ? rows.anyCountry : rows.byCountry.get(r.country);
      if (!list) {
        list = [];
        if (r.country === '') rows.anyCountry = list;
        else rows.byCountry.set(r.country, list);
      }
      list.push({ rate: r, fromMs: Date.parse(`${r.effectiveFrom}T00:00:00.000Z`) });
      list.sort((a, b) => (a.rate.effectiveFrom < b.rate.effectiveFrom ? 1 : a.rate.effectiveFrom > b.rate.effectiveFrom ? -1 : 0));
    }
    for (const byKind of this.index.values()) byKind.prefixLengths.sort((a, b) => b - a);
  }

  /** The card when the CSV is valid, or every error with its line. */
  static fromCsv(text: string): { ok: true; card: RateCard } | { ok: false; errors: RateCardError[] } {
    const parsed = parseRateCardCsv(text);
    return parsed.ok ? { ok: true, card: new RateCard(parsed.rates) } : parsed;
  }

  /**
   * The rate for a number at a moment. Longest matching prefix wins; at the same prefix, a row for the number's
   * own country beats a row for any country; an empty prefix (the country default) matches last. Among rows
   * with the same kind, prefix and country, the one with the latest effectiveFrom on or before `at`'s UTC
   * day applies. Undefined when nothing matches.
   */
  find(kind: RateKind, number: { digits: string; country: string }, at: Date): Rate | undefined {
    const time = at instanceof Date ? at.getTime() : NaN;
    // Years 0 to 9999: "effectiveFrom <= at's UTC day" is "the day effectiveFrom starts <= at", without building
    // the day's text for every lookup. Outside them the day's text (±YYYYYY-…) is compared as it always was.
    const day = time >= FOUR_DIGIT_YEARS_FROM && time < FOUR_DIGIT_YEARS_UNTIL ? undefined : utcDay(at);
    const byKind = this.index.get(kind);
    if (!byKind) return undefined;
    const country = number.country.toUpperCase();
    const digits = number.digits;
    for (const len of byKind.prefixLengths) {
      if (len > digits.length) continue;
      const rows = byKind.byPrefix.get(digits.slice(0, len));
      if (rows === undefined) continue;
      const rate = inForce(rows.byCountry.get(country), time, day) ?? inForce(rows.anyCountry, time, day);
      if (rate) return rate;
    }
    return inForce(byKind.byPrefix.get('')?.byCountry.get(country), time, day);
  }
}
