import { getCountries } from 'libphonenumber-js/max';
import { cachedIntl } from './intl-cache';

/**
 * The 44 Zone A countries and regions: the only destinations the dial-out minute pool covers
 * (non-premium numbers only) and the only ones a "ZoneA" dial-out policy allows.
 */
export const ZONE_A: ReadonlySet<string> = new Set([
  'AU', 'AT', 'BE', 'BR', 'BG', 'CA', 'CN', 'HR', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HK', 'HU', 'IN', 'IE', 'IT', 'JP', 'LU',
  'MY', 'MX', 'NL', 'NZ', 'NO', 'PL', 'PT', 'PR', 'RO', 'RU', 'SG', 'SK', 'SI', 'ZA', 'KR', 'ES', 'SE', 'CH', 'TW', 'TH', 'GB', 'US',
]);

/** Tenants in these countries cannot buy Communications Credits, so nothing may draw on them. */
export const CREDITS_NOT_PURCHASABLE: ReadonlySet<string> = new Set(['RU', 'KR', 'TW']);

/** Country codes are compared upper-case; 'de' and 'DE' are the same country. */
export function isZoneA(country: string): boolean {
  // Codes come upper-case nearly always (rating asks for every leg): found as given, no upper-cased copy.
  return ZONE_A.has(country) || ZONE_A.has(country.toUpperCase());
}

export function creditsPurchasableIn(country: string): boolean {
  return !(CREDITS_NOT_PURCHASABLE.has(country) || CREDITS_NOT_PURCHASABLE.has(country.toUpperCase()));
}

let knownCodes: ReadonlySet<string> | undefined;

/** Every region code that has a telephone numbering plan (libphonenumber's list: 245 or so). */
export function isCountryCode(code: string): boolean {
  knownCodes ??= new Set<string>(getCountries());
  return knownCodes.has(code);
}

/** The country's name in `locale` ("Germany", "Deutschland"); the code itself when Intl does not know it. */
export function countryName(code: string, locale = 'en'): string {
  const upper = code.toUpperCase();
  if (!/^[A-Z]{2}$/.test(upper)) return code;
  // Each DisplayNames.of() is an ICU look-up (~20 us): a meeting card names a country per leg. Kept per locale and
  // code (at most the locales in use times ~250 regions; an unusable locale is not kept).
  const key = `${locale}|${upper}`;
  const known = countryNames.get(key);
  if (known !== undefined) return known;
  try {
    const name = cachedIntl(`region|${locale}`, () => new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' })).of(upper) ?? upper;
    if (countryNames.size < MAX_COUNTRY_NAMES) countryNames.set(key, name);
    return name;
  } catch {
    return upper;
  }
}

const countryNames = new Map<string, string>();
const MAX_COUNTRY_NAMES = 10_000;

// Names people (and Microsoft's destinationName column) use that differ from Intl's English names.
const ALIASES: Readonly<Record<string, string>> = {
  usa: 'US', 'united states of america': 'US', america: 'US',
  uk: 'GB', britain: 'GB', 'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', 'northern ireland': 'GB',
  turkey: 'TR', 'czech republic': 'CZ', korea: 'KR', 'republic of korea': 'KR', 'korea republic of': 'KR',
  'hong kong': 'HK', macau: 'MO', macao: 'MO', russia: 'RU', 'russian federation': 'RU', holland: 'NL',
  'the netherlands': 'NL', uae: 'AE', 'ivory coast': 'CI', 'viet nam': 'VN', 'south korea': 'KR',
};

function normalizeName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[’'.,()-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

let namesEn: ReadonlyMap<string, string> | undefined;

function englishNames(): ReadonlyMap<string, string> {
  if (namesEn) return namesEn;
  const names = new Map<string, string>();
  for (const code of getCountries()) {
    names.set(normalizeName(countryName(code, 'en')), code);
    // "Hong Kong SAR China" is also just "Hong Kong".
    names.set(normalizeName(countryName(code, 'en').replace(/ SAR China$/, '')), code);
  }
  for (const [alias, code] of Object.entries(ALIASES)) names.set(normalizeName(alias), code);
  namesEn = names;
  return names;
}

/**
 * A country code from what a person typed: "DE", "de", "Germany", "germany", "Deutschland" (with locale 'de'),
 * "UK" (an alias, not a code), "Türkiye"/"Turkey". Case, accents and punctuation are ignored. Undefined when nothing matches.
 */
export function countryFromText(text: string, locale = 'en'): string | undefined {
  const trimmed = text.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const upper = trimmed.toUpperCase();
    if (isCountryCode(upper)) return upper;
  }
  const wanted = normalizeName(trimmed);
  if (wanted.length === 0) return undefined;
  const english = englishNames().get(wanted);
  if (english) return english;
  if (locale !== 'en') {
    for (const code of getCountries()) {
      if (normalizeName(countryName(code, locale)) === wanted) return code;
    }
  }
  return undefined;
}
