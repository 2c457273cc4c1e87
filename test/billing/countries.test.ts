import {
  countryFromText,
  countryName,
  CREDITS_NOT_PURCHASABLE,
  creditsPurchasableIn,
  isCountryCode,
  isZoneA,
  ZONE_A,
} from '../../src/billing/countries';

const DOMAIN_ZONE_A =
  'AU AT BE BR BG CA CN HR CZ DK EE FI FR DE GR HK HU IN IE IT JP LU MY MX NL NZ NO PL PT PR RO RU SG SK SI ZA KR ES SE CH TW TH GB US'.split(' ');

describe('Zone A', () => {
  it('is exactly the 44 countries and regions of DOMAIN.md', () => {
    expect(DOMAIN_ZONE_A).toHaveLength(44);
    expect([...ZONE_A].sort()).toEqual([...DOMAIN_ZONE_A].sort());
  });

  it.each(DOMAIN_ZONE_A)('%s is in Zone A', (c) => {
    expect(isZoneA(c)).toBe(true);
    expect(isCountryCode(c)).toBe(true);
  });

  it.each(['AE', 'AR', 'CL', 'CO', 'EG', 'IL', 'KE', 'NG', 'PH', 'SA', 'TR', 'UA', 'VN', 'PK', 'GG', 'JE', 'IM', 'IS', 'MO', 'XX', ''])(
    '%j is not in Zone A',
    (c) => {
      expect(isZoneA(c)).toBe(false);
    },
  );

  it('compares case-insensitively', () => {
    expect(isZoneA('de')).toBe(true);
  });
});

describe('credits purchasability', () => {
  it('is impossible in exactly RU, KR, TW', () => {
    expect([...CREDITS_NOT_PURCHASABLE].sort()).toEqual(['KR', 'RU', 'TW']);
    for (const c of ['RU', 'kr', 'TW']) expect(creditsPurchasableIn(c)).toBe(false);
    for (const c of ['US', 'DE', 'CN', 'AE']) expect(creditsPurchasableIn(c)).toBe(true);
  });
});

describe('countryName', () => {
  it.each([
    ['DE', 'en', 'Germany'],
    ['de', 'en', 'Germany'],
    ['DE', 'de', 'Deutschland'],
    ['US', 'en', 'United States'],
    ['GB', 'fr', 'Royaume-Uni'],
    ['QQ', 'en', 'QQ'], // unknown region: the code itself
    ['Germany', 'en', 'Germany'], // not a code at all: returned as given
  ])('%s in %s is %s', (code, locale, name) => {
    expect(countryName(code, locale)).toBe(name);
  });
});

describe('countryFromText', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    ['Germany', 'DE'],
    ['germany', 'DE'],
    ['  GERMANY ', 'DE'],
    ['United States', 'US'],
    ['USA', 'US'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    ['Great Britain', 'GB'],
    ['Türkiye', 'TR'],
    ['Turkiye', 'TR'],
    ['Turkey', 'TR'],
    ['Hong Kong', 'HK'],
    ['Hong Kong SAR China', 'HK'],
    ['South Korea', 'KR'],
    ['Czech Republic', 'CZ'],
    ['Czechia', 'CZ'],
    ["Côte d'Ivoire", 'CI'],
    ['Puerto Rico', 'PR'],
    ['Bosnia & Herzegovina', 'BA'],
    ['Bosnia and Herzegovina', 'BA'],
  ])('%j -> %s', (text, code) => {
    expect(countryFromText(text)).toBe(code);
  });

  it('reads names in another locale too', () => {
    expect(countryFromText('Deutschland', 'de')).toBe('DE');
    expect(countryFromText('Allemagne', 'fr')).toBe('DE');
    expect(countryFromText('Deutschland')).toBeUndefined();
  });

  it.each(['', 'XX', 'Atlantis', 'Germ', '49'])('%j is unknown', (text) => {
    expect(countryFromText(text)).toBeUndefined();
  });
});
