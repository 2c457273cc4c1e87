import { changeSetting, DEFAULT_FRAUD_SETTINGS, defaultFraudSettings, describeSettings, parseStoredSettings, serializeSettings, SETTING_NAMES } from '../../src/fraud/fraud-settings';

const change = (name: string, ...args: string[]) => changeSetting(defaultFraudSettings(), name, args, 'USD');

describe('fraud settings', () => {
  it('a tenant that never changed anything has the defaults; broken stored JSON falls back to them', () => {
    expect(parseStoredSettings(null)).toEqual(DEFAULT_FRAUD_SETTINGS);
    expect(parseStoredSettings('not json')).toEqual(DEFAULT_FRAUD_SETTINGS);
    expect(parseStoredSettings(JSON.stringify({ rateCeilingMicros: -5, shortCallsPerRange: 'ten', disabled: ['nope', 'night_hours'], timeZones: { US: 'Nowhere/Land' } }))).toEqual({
      ...DEFAULT_FRAUD_SETTINGS,
      disabled: ['night_hours'],
    });
  });

  it.each([
    ['rate-ceiling', ['1.50'], 'rateCeilingMicros', 1_500_000, '$1.00/min', '$1.50/min'],
    ['spike-hour-minutes', ['300'], 'spikeHourMinutes', 300, '240 min', '300 min'],
    ['spike-hour-factor', ['2.5'], 'spikeHourFactor', 2.5, '3 ×', '2.5 ×'],
    ['spike-day-minutes', ['600'], 'spikeDayMinutes', 600, '480 min', '600 min'],
    ['spike-day-factor', ['4'], 'spikeDayFactor', 4, '5 ×', '4 ×'],
    ['learning-days', ['0'], 'learningDays', 0, '14 days', '0 days'],
    ['new-country-hours', ['48'], 'newCountryHours', 48, '24 h', '48 h'],
    ['short-call-seconds', ['30'], 'shortCallSeconds', 30, '60 s', '30 s'],
    ['short-calls', ['20'], 'shortCallsPerRange', 20, '10', '20'],
    ['range-digits', ['4'], 'rangeDigits', 4, '3 digits', '4 digits'],
    ['night-minutes', ['45'], 'nightMinutes', 45, '30 min', '45 min'],
  ] as const)('%s %s: changes %s, says before and after, and survives being stored', (name, args, key, value, before, after) => {
    const r = change(name, ...args);
    expect(r).toMatchObject({ ok: true, value: { name, before, after } });
    if (!r.ok) return;
    expect(r.value.settings[key]).toBe(value);
    expect(parseStoredSettings(serializeSettings(r.value.settings))).toEqual(r.value.settings);
  });

  it('night-hours, timezone and rule: changed, and stored faithfully', () => {
    const night = change('night-hours', '22-6');
    expect(night).toMatchObject({ ok: true, value: { before: '01:00 to 05:00', after: '22:00 to 06:00' } });
    const zone = changeSetting(night.ok ? night.value.settings : defaultFraudSettings(), 'timezone', ['us', 'America/Los_Angeles'], 'USD');
    expect(zone).toMatchObject({ ok: true, value: { name: 'timezone US', before: 'America/Chicago', after: 'America/Los_Angeles' } });
    const rule = changeSetting(zone.ok ? zone.value.settings : defaultFraudSettings(), 'rule', ['minutes_spike', 'off'], 'USD');
    expect(rule).toMatchObject({ ok: true, value: { before: 'on', after: 'off' } });
    if (!rule.ok) return;
    const stored = parseStoredSettings(serializeSettings(rule.value.settings));
    expect(stored).toEqual(rule.value.settings);
    expect(stored).toMatchObject({ nightStartHour: 22, nightEndHour: 6, timeZones: { US: 'America/Los_Angeles' }, disabled: ['minutes_spike'] });
    const back = changeSetting(stored, 'timezone', ['US', 'default'], 'USD');
    expect(back.ok && back.value.settings.timeZones).toEqual({});
    // A night of 24 hours (or of none) is refused: "rule night_hours off" is how the rule is switched off.
    expect(change('night-hours', '0-24').ok).toBe(false);
    expect(change('night-hours', '23-24')).toMatchObject({ ok: true, value: { after: '23:00 to 00:00' } });
  });

  it.each([
    ['rate-ceiling', ['0'], 'rate-ceiling must be more than 0'],
    ['rate-ceiling', ['1,50'], 'rate-ceiling:'],
    ['rate-ceiling', [], 'rate-ceiling takes one value, e.g. fraud set rate-ceiling 1.50.'],
    ['spike-hour-factor', ['0.5'], 'from 1 to 100'],
    ['short-calls', ['1'], 'from 2 to 100000'],
    ['range-digits', ['7'], 'from 1 to 6'],
    ['night-hours', ['5-5'], 'night-hours takes the first and the end hour'],
    ['night-hours', ['25-3'], 'night-hours takes the first and the end hour'],
    ['timezone', ['USA', 'America/Chicago'], 'timezone takes a usage-location country'],
    ['timezone', ['US', 'Mars/Olympus'], '"Mars/Olympus" is not a time zone name'],
    ['rule', ['everything', 'off'], 'rule takes a rule name and on or off'],
    ['colour', ['blue'], '"colour" is not a fraud setting'],
  ] as const)('%s %s is refused: %s', (name, args, message) => {
    const r = change(name, ...args);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('invalid_fraud_setting');
      expect(r.message).toContain(message);
    }
  });

  it('lists every setting a value, and says which are changed', () => {
    const lines = describeSettings({ ...defaultFraudSettings(), nightMinutes: 45 }, 'EUR');
    expect(lines.map((l) => l.name).sort()).toEqual(SETTING_NAMES.filter((n) => n !== 'timezone' && n !== 'rule').sort());
    expect(lines.find((l) => l.name === 'rate-ceiling')).toMatchObject({ value: '€1.00/min', isDefault: true });
    expect(lines.find((l) => l.name === 'night-minutes')).toMatchObject({ value: '45 min', isDefault: false });
  });
});
