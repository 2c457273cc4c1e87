import { isZoneA } from './countries';
import type { Refusal } from './reasons';
import { refusal } from './reasons';

/**
 * Outbound calling restriction policies (Teams' OnlineDialOutPolicy): the 12 pre-defined instances, assigned
 * tenant-wide (Global) and optionally per user. CPC = meeting dial-out ("conferencing"), PSTN = the user's own
 * PSTN calls. Tollgate rates meeting legs, so only the CPC half is ever enforced; the PSTN half is described.
 */
export const DIAL_OUT_POLICIES = [
  'DialoutCPCandPSTNInternational',
  'DialoutCPCDomesticPSTNInternational',
  'DialoutCPCDisabledPSTNInternational',
  'DialoutCPCInternationalPSTNDomestic',
  'DialoutCPCInternationalPSTNDisabled',
  'DialoutCPCandPSTNDomestic',
  'DialoutCPCDomesticPSTNDisabled',
  'DialoutCPCDisabledPSTNDomestic',
  'DialoutCPCandPSTNDisabled',
  'DialoutCPCZoneAPSTNInternational',
  'DialoutCPCZoneAPSTNDomestic',
  'DialoutCPCZoneAPSTNDisabled',
] as const;

export type DialOutPolicyName = (typeof DIAL_OUT_POLICIES)[number];

/** Microsoft's default for a tenant that never changed it. */
export const DEFAULT_DIAL_OUT_POLICY: DialOutPolicyName = 'DialoutCPCandPSTNInternational';

export type ConferencingScope = 'any' | 'domestic' | 'zone_a' | 'none';
export type PstnScope = 'international' | 'domestic' | 'none';

const SCOPES: Readonly<Record<DialOutPolicyName, { conferencing: ConferencingScope; pstn: PstnScope }>> = {
  DialoutCPCandPSTNInternational: { conferencing: 'any', pstn: 'international' },
  DialoutCPCDomesticPSTNInternational: { conferencing: 'domestic', pstn: 'international' },
  DialoutCPCDisabledPSTNInternational: { conferencing: 'none', pstn: 'international' },
  DialoutCPCInternationalPSTNDomestic: { conferencing: 'any', pstn: 'domestic' },
  DialoutCPCInternationalPSTNDisabled: { conferencing: 'any', pstn: 'none' },
  DialoutCPCandPSTNDomestic: { conferencing: 'domestic', pstn: 'domestic' },
  DialoutCPCDomesticPSTNDisabled: { conferencing: 'domestic', pstn: 'none' },
  DialoutCPCDisabledPSTNDomestic: { conferencing: 'none', pstn: 'domestic' },
  DialoutCPCandPSTNDisabled: { conferencing: 'none', pstn: 'none' },
  DialoutCPCZoneAPSTNInternational: { conferencing: 'zone_a', pstn: 'international' },
  DialoutCPCZoneAPSTNDomestic: { conferencing: 'zone_a', pstn: 'domestic' },
  DialoutCPCZoneAPSTNDisabled: { conferencing: 'zone_a', pstn: 'none' },
};

const CONFERENCING_WORDS: Readonly<Record<ConferencingScope, string>> = {
  any: 'meetings can dial out to any country',
  domestic: "meetings can dial out only within the organizer's country",
  zone_a: 'meetings can dial out only to Zone A countries',
  none: 'meetings cannot dial out',
};

const PSTN_WORDS: Readonly<Record<PstnScope, string>> = {
  international: 'users can call domestic and international numbers',
  domestic: 'users can call domestic numbers only',
  none: 'users can make emergency calls only',
};

export function isDialOutPolicy(name: string): name is DialOutPolicyName {
  return (DIAL_OUT_POLICIES as readonly string[]).includes(name);
}

/**
 * The canonical policy name from what an admin typed: case-insensitive, and PowerShell's "Tag:" identity prefix
 * is accepted ("tag:dialoutcpcandpstndomestic" → "DialoutCPCandPSTNDomestic"). Undefined when unknown.
 */
export function findDialOutPolicy(text: string): DialOutPolicyName | undefined {
  const wanted = text.trim().replace(/^tag:/i, '').toLowerCase();
  return DIAL_OUT_POLICIES.find((p) => p.toLowerCase() === wanted);
}

export function describePolicy(p: DialOutPolicyName): { conferencing: ConferencingScope; pstn: PstnScope; summary: string } {
  const { conferencing, pstn } = SCOPES[p];
  const summary = `${CONFERENCING_WORDS[conferencing]}; ${PSTN_WORDS[pstn]}`;
  return { conferencing, pstn, summary: summary.charAt(0).toUpperCase() + summary.slice(1) + '.' };
}

export type DialOutCheck = { ok: true } | Refusal<'dialout_blocked_by_policy' | 'dialout_domestic_only' | 'dialout_zone_a_only'>;

/**
 * May a meeting of this organizer dial out to this country? Domestic means the destination is in the
 * organizer's usage location. A "ZoneA" policy is taken literally: Zone A destinations only, so a domestic call
 * from a non-Zone-A country is refused too. Country codes are compared case-insensitively.
 */
export function checkMeetingDialOut(p: DialOutPolicyName, organizerCountry: string, destinationCountry: string): DialOutCheck {
  const blocked = meetingDialOutBlock(p, organizerCountry, destinationCountry);
  return blocked === undefined ? { ok: true } : refusal(blocked);
}

/** checkMeetingDialOut's answer as the refusal's reason alone (undefined: allowed), for the per-leg path. */
export function meetingDialOutBlock(
  p: DialOutPolicyName,
  organizerCountry: string,
  destinationCountry: string,
): 'dialout_blocked_by_policy' | 'dialout_domestic_only' | 'dialout_zone_a_only' | undefined {
  switch (SCOPES[p].conferencing) {
    case 'any':
      return undefined;
    case 'none':
      return 'dialout_blocked_by_policy';
    case 'domestic':
      return organizerCountry.toUpperCase() === destinationCountry.toUpperCase() ? undefined : 'dialout_domestic_only';
    case 'zone_a':
      return isZoneA(destinationCountry) ? undefined : 'dialout_zone_a_only';
  }
}
