import { describePolicy, type DialOutPolicyName } from '../billing/dial-out-policy';

/**
 * "Restrict the organizer to domestic-only dial-out": the OnlineDialOutPolicy whose meeting dial-out (CPC) is
 * domestic only and whose PSTN half is what the organizer has now, so their own phone calls keep working as before.
 * A policy that already allows no more than domestic meeting dial-out (domestic only, or none) stays as it is.
 */
export function domesticOnlyPolicy(current: DialOutPolicyName): DialOutPolicyName {
  const { conferencing, pstn } = describePolicy(current);
  if (conferencing === 'domestic' || conferencing === 'none') return current;
  switch (pstn) {
    case 'international':
      return 'DialoutCPCDomesticPSTNInternational';
    case 'domestic':
      return 'DialoutCPCandPSTNDomestic';
    case 'none':
      return 'DialoutCPCDomesticPSTNDisabled';
  }
}
