import { countryName } from '../../billing/countries';
import { FRAUD_PATTERNS, PATTERN_WORDS } from '../../fraud/fraud-patterns';
import { describeSettings, ruleEnabled, SETTING_USAGE, type FraudSettings } from '../../fraud/fraud-settings';
import { blockTargetWords } from '../../fraud/incident-words';
import { COUNTRY_TIME_ZONES } from '../../fraud/time-zones';
import type { CardContext } from './card-context';
import { day } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './fraud-settings-card.json';

export interface FraudSettingsCardInput {
  settings: FraudSettings;
  blockList: readonly { target: string; added_at: string; added_by: string }[];
  /** The tenant's country: its time zone is shown first. */
  country: string;
  /** What was just changed, shown at the top. */
  notice?: string;
}

interface SettingsModel {
  hasNotice: boolean;
  notice: string;
  blocking: string;
  blockingColor: 'Attention' | 'Default';
  blockingNote: string;
  rules: { title: string; value: string }[];
  thresholds: { title: string; value: string }[];
  zones: string;
  hasBlockList: boolean;
  noBlockList: boolean;
  blockList: { title: string; value: string }[];
  blockListEmpty: string;
  usage: string;
}

const expand = cardExpander<SettingsModel>('fraud settings card', template);

/** The guard's settings (admins only): blocking, the rules, every threshold, the time zones and the block list. */
export function buildFraudSettingsCard(input: FraudSettingsCardInput, ctx: CardContext): AdaptiveCardJson {
  const s = input.settings;
  const overrides = Object.entries(s.timeZones).map(([c, z]) => `${countryName(c, ctx.locale)}: ${z} (set by an admin)`);
  const own = s.timeZones[input.country] ? [] : [`${countryName(input.country, ctx.locale)}: ${COUNTRY_TIME_ZONES[input.country] ?? 'UTC'}`];
  return expand({
    hasNotice: !!input.notice,
    notice: input.notice ?? ' ',
    blocking: s.blocking ? 'Blocking is ON' : 'Blocking is off',
    blockingColor: s.blocking ? 'Attention' : 'Default',
    blockingNote: s.blocking
      ? 'Dial-outs that match a rule are refused in real time (suspected_toll_fraud). "fraud blocking off" allows and flags them instead.'
      : 'Dial-outs that match a rule are allowed and flagged; settled ones open incidents. "fraud blocking on" refuses them in real time.',
    rules: FRAUD_PATTERNS.map((p) => ({ title: `${p}`, value: `${ruleEnabled(s, p) ? 'On' : 'Off'}: ${PATTERN_WORDS[p].title}` })),
    thresholds: describeSettings(s, ctx.currency).map((l) => ({ title: l.name, value: `${l.value}${l.isDefault ? '' : ' (changed)'}: ${l.description}` })),
    zones:
      [...own, ...overrides].join('; ') +
      '. Each organizer is judged in the time zone of their usage location (one zone per country, approximate for countries with several); "fraud set timezone US America/Los_Angeles" changes it.',
    hasBlockList: input.blockList.length > 0,
    noBlockList: input.blockList.length === 0,
    blockList: input.blockList.map((b) => ({ title: b.target, value: `${blockTargetWords(b.target, ctx.locale)}, added ${day(b.added_at, ctx)} by ${b.added_by}` })),
    blockListEmpty: 'Nothing is blocked. An incident\'s "Block" button, or "fraud block <+prefix | country>", adds to it; "fraud unblock" removes.',
    usage: SETTING_USAGE,
  });
}
