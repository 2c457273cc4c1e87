import { NUMBERS, USERS } from '../../support/fixtures';

/**
 * Graph pstnCallLogRow objects with every field DOMAIN.md lists, as getPstnCalls returns them. For conf_in and
 * conf_out the user fields are the meeting ORGANIZER's; conf_in's callee is the bridge's dial-in number, conf_out's
 * callee the dialed destination.
 */
const BRIDGE_TOLL = '+12025550100';

interface Kind {
  callType: string;
  callee: string;
  caller: string;
  inventoryType: string;
  destinationContext: string | null;
  destinationName: string;
  organizer: string;
  licenseCapability: string;
  otherParty: string;
}

/** A mix of meeting legs (rated) and a user's own PSTN calls (kept as ignored). */
const KINDS: Kind[] = [
  { callType: 'conf_out', callee: NUMBERS.usLandline, caller: BRIDGE_TOLL, inventoryType: 'Subscriber', destinationContext: 'Domestic', destinationName: 'United States', organizer: USERS.sub, licenseCapability: 'MCOMEETADD', otherParty: 'us' },
  { callType: 'conf_in', callee: NUMBERS.usTollFree, caller: NUMBERS.caLandline, inventoryType: 'TollFree', destinationContext: null, destinationName: 'United States', organizer: USERS.sub, licenseCapability: 'MCOPSTNPP', otherParty: 'ca' },
  { callType: 'conf_out', callee: NUMBERS.deLandline, caller: BRIDGE_TOLL, inventoryType: 'Subscriber', destinationContext: 'Domestic', destinationName: 'Germany', organizer: USERS.ppm, licenseCapability: 'MCOMEETACPEA', otherParty: 'de' },
  { callType: 'conf_in', callee: BRIDGE_TOLL, caller: NUMBERS.gbLandline, inventoryType: 'Toll', destinationContext: null, destinationName: 'United States', organizer: USERS.ppm, licenseCapability: 'MCOMEETACPEA', otherParty: 'gb' },
  { callType: 'user_out', callee: NUMBERS.frLandline, caller: '+12065550111', inventoryType: 'Subscriber', destinationContext: 'International', destinationName: 'France', organizer: USERS.sub, licenseCapability: 'MCOPSTNU', otherParty: 'fr' },
  { callType: 'conf_out', callee: NUMBERS.gbLandline, caller: BRIDGE_TOLL, inventoryType: 'Subscriber', destinationContext: 'International', destinationName: 'United Kingdom', organizer: USERS.sub, licenseCapability: 'MCOMEETADD', otherParty: 'gb' },
  { callType: 'user_in', callee: '+12065550111', caller: NUMBERS.usLandline, inventoryType: 'Subscriber', destinationContext: null, destinationName: 'United States', organizer: USERS.sub, licenseCapability: 'MCOPSTNU', otherParty: 'us' },
];

const UPN: Record<string, string> = { [USERS.sub]: 'sub@contoso.example', [USERS.ppm]: 'ppm@contoso.example' };
const NAME: Record<string, string> = { [USERS.sub]: 'Sub Scriber', [USERS.ppm]: 'Pay PerMinute' };

export function pstnRow(n: number, start: Date, prefix = 'row'): Record<string, unknown> {
  const k = KINDS[n % KINDS.length]!;
  const seconds = 60 + (n % 5) * 45;
  const end = new Date(start.getTime() + seconds * 1000);
  return {
    id: `${prefix}-${String(n).padStart(4, '0')}-9d3b2c1a-0000-4000-8000-${String(n).padStart(12, '0')}`,
    callId: `call-${Math.floor(n / 2)}`, // not unique: two legs can share a call
    callType: k.callType,
    calleeNumber: k.callee,
    callerNumber: k.caller,
    charge: k.callType.startsWith('conf') ? 0.12 : 0,
    connectionCharge: 0,
    currency: 'USD',
    conferenceId: k.callType.startsWith('conf') ? `conf-${Math.floor(n / 3)}` : null,
    destinationContext: k.destinationContext,
    destinationName: k.destinationName,
    duration: seconds,
    startDateTime: start.toISOString().replace('.000Z', 'Z'),
    endDateTime: end.toISOString().replace('.000Z', 'Z'),
    inventoryType: k.inventoryType,
    licenseCapability: k.licenseCapability,
    tenantCountryCode: 'US',
    usageCountryCode: k.organizer === USERS.ppm ? 'DE' : 'US',
    userId: k.organizer,
    userPrincipalName: UPN[k.organizer],
    userDisplayName: NAME[k.organizer],
    operator: 'Microsoft',
    callDurationSource: 'microsoft',
    otherPartyCountryCode: k.otherParty,
  };
}

/** `count` rows, one every `everyMs` from `first`. */
export function pstnRows(count: number, first: Date, everyMs = 60 * 60 * 1000, prefix = 'row'): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => pstnRow(i, new Date(first.getTime() + i * everyMs), prefix));
}

export const RATED_TYPES = new Set(['conf_in', 'conf_out']);
