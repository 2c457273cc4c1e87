import type { OrganizerProfile } from '../billing/rate-leg';
import type { DialOutPolicyName } from '../billing/dial-out-policy';
import type { UserRow } from '../store/user-store';

export function licensesOf(row: Pick<UserRow, 'licenses'>): string[] {
  return row.licenses.split(';').map((s) => s.trim()).filter(Boolean);
}

export function organizerProfile(row: UserRow): OrganizerProfile {
  return {
    id: row.aad_object_id,
    usageLocation: row.usage_location,
    licenses: licensesOf(row),
    dialOutPolicy: (row.dial_out_policy ?? undefined) as DialOutPolicyName | undefined,
    tollFreeDialIn: row.toll_free_dial_in === 1,
  };
}
