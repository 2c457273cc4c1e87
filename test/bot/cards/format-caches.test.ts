import { formatMoney } from '../../../src/billing/money';
import { countryName } from '../../../src/billing/countries';
import { minutes, moment, momentRange, percentOf } from '../../../src/bot/cards/card-format';
import { displayNumber } from '../../../src/bot/cards/phone-display';

/**
 * Formatters and formatted figures are kept between cards (src/billing/intl-cache.ts, phone numbers, moment ranges):
 * what comes out must still depend on every input, in whatever order cards ask.
 */
describe('formatting caches', () => {
  it('keeps locales, currencies and time zones apart', () => {
    for (let round = 0; round < 2; round++) {
      expect(formatMoney(1_234_500_000, 'USD', 'en-US')).toBe('$1,234.50');
      expect(formatMoney(1_234_500_000, 'EUR', 'de-DE')).toBe('1.234,50\u00a0€');
      expect(formatMoney(1_234_500_000, 'USD', 'de-DE')).toBe('1.234,50\u00a0$');
      expect(formatMoney(1_234_500_000, 'JPY', 'en-US')).toBe('¥1,235');
      expect(minutes(1234.56, 'en-US')).toBe('1,234.6');
      expect(minutes(1234.56, 'de-DE')).toBe('1.234,6');
      expect(percentOf(1, 4, 'fr-FR')).toBe('25\u00a0%');
      expect(countryName('DE', 'en')).toBe('Germany');
      expect(countryName('DE', 'de')).toBe('Deutschland');
      const at = '2026-03-04T14:05:00Z';
      const end = '2026-03-04T14:50:00Z';
      expect(moment(at, { locale: 'en-US', timeZone: 'UTC' })).toContain('2:05');
      expect(moment(at, { locale: 'en-US', timeZone: 'America/New_York' })).toContain('9:05');
      expect(momentRange(at, end, { locale: 'en-US', timeZone: 'UTC' })).toMatch(/2:05.*2:50/);
      expect(momentRange(at, end, { locale: 'en-US', timeZone: 'Asia/Tokyo' })).toMatch(/11:05.*11:50/);
      expect(momentRange(at, end, { locale: 'de-DE', timeZone: 'UTC' })).toMatch(/14:05.*14:50/);
    }
  });

  it('names a country once per locale: later cards take the name kept, not another ICU look-up', () => {
    const of = jest.spyOn(Intl.DisplayNames.prototype, 'of');
    try {
      const first = [countryName('FR', 'en'), countryName('fr', 'en'), countryName('FR', 'fr')];
      const calls = of.mock.calls.length;
      for (let i = 0; i < 5; i++) expect([countryName('FR', 'en'), countryName('fr', 'en'), countryName('FR', 'fr')]).toEqual(first);
      expect(first).toEqual(['France', 'France', 'France']);
      expect(of.mock.calls.length).toBe(calls);
      expect(countryName('JP', 'de')).toBe('Japan');
      expect(countryName('XK', 'en')).not.toBe('');
    } finally {
      of.mockRestore();
    }
  });

  it('shows a number masked or in full depending on the reader, whichever came first', () => {
    const number = '+442079460958';
    expect(displayNumber(number, false)).toBe('+44 20 •••• 0958');
    expect(displayNumber(number, true)).toBe('+44 20 7946 0958');
    expect(displayNumber(number, false)).toBe('+44 20 •••• 0958');
  });

  it('still refuses what cannot be formatted', () => {
    expect(() => formatMoney(1, 'US', 'en-US')).toThrow(RangeError);
    expect(() => formatMoney(1, 'US', 'en-US')).toThrow(RangeError);
  });
});
