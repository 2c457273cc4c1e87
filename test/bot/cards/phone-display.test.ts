import { displayNumber, formatNumber, maskNumber } from '../../../src/bot/cards/phone-display';

describe('maskNumber: keeps the country code, the first group and the last 4 digits', () => {
  it.each([
    ['UK London', '+442079460958', '+44 20 •••• 0958'],
    ['US Redmond', '+14255550100', '+1 425 ••• 0100'],
    ['US toll-free', '+18005550199', '+1 800 ••• 0199'],
    ['Germany Berlin', '+4930901820', '+49 30 ••1820'],
    ['Germany mobile', '+4915123456789', '+49 1512 •••6789'],
    ['France Paris', '+33142685300', '+33 1 •• •• 53 00'],
    ['Japan Tokyo', '+81312345678', '+81 3 •••• 5678'],
    ['Australia Sydney', '+61291234567', '+61 2 •••• 4567'],
    ['Brazil São Paulo mobile', '+5511987654321', '+55 11 ••••• 4321'],
    ['India Bengaluru', '+918041234567', '+91 80 •••• 4567'],
  ])('%s: %s → %s', (_place, number, masked) => {
    expect(maskNumber(number)).toBe(masked);
  });

  it('hides first-group digits rather than show a short number whole', () => {
    // Iceland: 7 national digits; group 551 plus the last 4 would be all of them.
    const masked = maskNumber('+3545512345');
    expect(masked.startsWith('+354 ')).toBe(true);
    expect(masked.endsWith('2345')).toBe(true);
    expect((masked.match(/•/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(masked).not.toContain('5512345');
  });

  it('always hides at least a quarter of the national digits and keeps the last 4', () => {
    const numbers = ['+442079460958', '+14255550100', '+4930901820', '+4915123456789', '+33142685300', '+3545512345', '+85223456789', '+6565123456', '+27211234567', '+390612345678'];
    for (const n of numbers) {
      const masked = maskNumber(n);
      const digits = n.replace(/\D/g, '');
      const hidden = (masked.match(/•/g) ?? []).length;
      const visibleDigits = masked.replace(/\D/g, '');
      expect(digits.endsWith(visibleDigits.slice(-4))).toBe(true);
      expect(hidden).toBeGreaterThanOrEqual(2);
      expect(visibleDigits.length + hidden).toBe(digits.length);
    }
  });

  it('formats with spaces when the number was written with separators', () => {
    expect(maskNumber('+44 (20) 7946-0958')).toBe('+44 20 •••• 0958');
  });

  it('shows only the last 4 digits of text it cannot parse', () => {
    expect(maskNumber('anonymous 0123456789')).toBe('•••• 6789');
    expect(maskNumber('12')).toBe('••••');
  });
});

describe('displayNumber', () => {
  it('shows admins the whole number, formatted', () => {
    expect(displayNumber('+442079460958', true)).toBe('+44 20 7946 0958');
    expect(formatNumber('+14255550100')).toBe('+1 425 555 0100');
  });

  it('masks for everyone else', () => {
    expect(displayNumber('+442079460958', false)).toBe('+44 20 •••• 0958');
  });

  it('says when there is no number', () => {
    expect(displayNumber(null, false)).toBe('Number not recorded');
    expect(displayNumber('  ', true)).toBe('Number not recorded');
  });
});
