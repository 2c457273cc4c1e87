import { parsePhoneNumber } from '../../src/billing/phone-number';

// Every number here is checked valid by libphonenumber-js's max metadata (the first table proves it).
describe('parsePhoneNumber: valid numbers', () => {
  it.each([
    // e164, country, premium, mobile
    ['+4930901820', 'DE', false, false],
    ['+4915123456789', 'DE', false, true],
    ['+4916012345678', 'DE', false, true],
    ['+4917012345678', 'DE', false, true],
    ['+4980012345678', 'DE', false, false], // toll-free is valid
    ['+4990090012345', 'DE', true, false],
    ['+442071838750', 'GB', false, false],
    ['+447400123456', 'GB', false, true],
    ['+449090123456', 'GB', true, false],
    ['+448001234567', 'GB', false, false],
    ['+447781123456', 'GG', false, true], // +44 but Guernsey: the number's own region
    ['+12015550123', 'US', false, false], // NANP is FIXED_LINE_OR_MOBILE: not counted as mobile
    ['+18005550199', 'US', false, false],
    ['+19005551234', 'US', true, false],
    ['+16045550123', 'CA', false, false], // +1 but Canada
    ['+14165550100', 'CA', false, false],
    ['+17872345678', 'PR', false, false], // +1 but Puerto Rico
    ['+33142685300', 'FR', false, false],
    ['+33612345678', 'FR', false, true],
    ['+33756123456', 'FR', false, true],
    ['+33892123456', 'FR', true, false],
    ['+81312345678', 'JP', false, false],
    ['+918123456789', 'IN', false, true],
    ['+8613123456789', 'CN', false, true],
    ['+78123456789', 'RU', false, false],
    ['+821020000000', 'KR', false, true],
    ['+886912345678', 'TW', false, true],
    ['+97145123456', 'AE', false, false],
    ['+20212345678', 'EG', false, false],
    ['+2348021234567', 'NG', false, true],
  ])('%s is %s (premium %p, mobile %p)', (e164, country, premium, mobile) => {
    expect(parsePhoneNumber(e164)).toEqual({ ok: true, value: { e164, digits: e164.slice(1), country, premium, mobile } });
  });

  it.each([
    ['+1 (201) 555-0123', '+12015550123'],
    ['+1.201.555.0123', '+12015550123'],
    ['+49 30 901820', '+4930901820'],
    ['  +4930901820  ', '+4930901820'],
    ['+86 10 1234 5678', '+861012345678'],
  ])('tolerates visual separators: %j -> %s', (text, e164) => {
    const r = parsePhoneNumber(text);
    expect(r.ok && r.value.e164).toBe(e164);
  });
});

describe('parsePhoneNumber: rejected numbers', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['4930901820', /no leading "\+"/],
    ['004930901820', /no leading "\+"/],
    ['030 901820', /no leading "\+"/],
    ['+1-800-FLOWERS', /not digits/],
    ['+4930901820 ext. 5', /not digits/],
    ['+4930901820x5', /not digits/],
    ['+', /not digits/],
    ['++4930901820', /not digits/],
    ['+441632960000', /not a valid phone number/], // Ofcom drama range: not a real number
    ['+4990012345678', /not a valid phone number/],
    ['+491', /not a valid phone number/],
    ['+999123456789', /not a valid phone number/],
    ['+12425551234', /not a valid phone number/],
    ['+80012345678', /non-geographic/], // international freephone: no country to rate by
  ])('%j is invalid_number (%s)', (text, why) => {
    const r = parsePhoneNumber(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('invalid_number');
    expect(r.message).toMatch(why);
    expect(r.message).toMatch(/E\.164/);
  });
});
