import { changeSetting, parseStoredSettings } from '../../src/fraud/fraud-settings';
import { COUNTRY_TIME_ZONES, FALLBACK_TIME_ZONE, timeZoneFor } from '../../src/fraud/time-zones';

// timeZoneFor keeps its answers per frozen overrides object: these check that what it keeps never leaks from one
// tenant's overrides to another's, nor survives an admin's change (which makes a new object).
describe('timeZoneFor', () => {
  it('answers each frozen overrides object with its own zones', () => {
    const a = parseStoredSettings(JSON.stringify({ timeZones: { US: 'America/Los_Angeles' } }));
    const b = parseStoredSettings(JSON.stringify({ timeZones: { US: 'America/New_York' } }));
    expect(Object.isFrozen(a.timeZones)).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(timeZoneFor('US', a.timeZones)).toBe('America/Los_Angeles');
      expect(timeZoneFor('us', b.timeZones)).toBe('America/New_York');
      expect(timeZoneFor('DE', a.timeZones)).toBe(COUNTRY_TIME_ZONES.DE);
      expect(timeZoneFor(null, b.timeZones)).toBe(FALLBACK_TIME_ZONE);
      expect(timeZoneFor('US')).toBe(COUNTRY_TIME_ZONES.US);
    }
  });

  it('follows an admin change: the changed settings get the new zone, the old ones keep theirs', () => {
    const before = parseStoredSettings(null);
    expect(timeZoneFor('GB', before.timeZones)).toBe(COUNTRY_TIME_ZONES.GB);
    const changed = changeSetting(before, 'timezone', ['GB', 'America/Chicago'], 'USD');
    if (!changed.ok) throw new Error(changed.message);
    expect(timeZoneFor('GB', changed.value.settings.timeZones)).toBe('America/Chicago');
    expect(timeZoneFor('GB', before.timeZones)).toBe(COUNTRY_TIME_ZONES.GB);
    const stored = parseStoredSettings(JSON.stringify(changed.value.settings));
    expect(timeZoneFor('GB', stored.timeZones)).toBe('America/Chicago');
  });

  it('reads an unfrozen overrides object afresh every time', () => {
    const overrides: Record<string, string> = { FR: 'Asia/Tokyo' };
    expect(timeZoneFor('FR', overrides)).toBe('Asia/Tokyo');
    overrides.FR = 'Europe/Lisbon';
    expect(timeZoneFor('FR', overrides)).toBe('Europe/Lisbon');
  });
});
