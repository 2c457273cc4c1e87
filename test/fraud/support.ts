import { storeRateCardCsv } from '../../src/rates/rate-card-store';
import type { Store } from '../../src/store/database';
import { ADMIN, T, TEST_RATES_CSV, USERS, setUpTenant, type TestTenantOptions } from '../support/fixtures';

/** The test card plus what fraud goes to: a UK premium range and two countries nobody in the fixtures calls. */
export const FRAUD_RATES_CSV = `${TEST_RATES_CSV}conf_out,449,GB,UK premium,1.50,,60,USD,2024-01-01
conf_out,,NG,Nigeria,0.25,,60,USD,2024-01-01
conf_out,,KE,Kenya,0.25,,60,USD,2024-01-01
`;

export const FRAUD_NUMBERS = {
  ukPremium: (i = 0) => `+44909879${String(123 + i).padStart(4, '0')}`,
  nigeria: '+2348012345678',
  kenya: '+254712345678',
} as const;

/** The standard test tenant with the fraud rate card; u-addon is a Tollgate admin (the incident cards go to it). */
export async function setUpFraudTenant(store: Store, options: TestTenantOptions = {}, tenantId = T) {
  const set = await setUpTenant(store, { fund: '500', ...options }, tenantId);
  const rates = await store.inTransaction((tx) => storeRateCardCsv(tx, FRAUD_RATES_CSV, { tenant_id: tenantId, currency: 'USD' }));
  if (!rates.ok) throw new Error(rates.message);
  const admin = await set.tollgate.directory.setAdmin(tenantId, USERS.addon, true, ADMIN);
  if (!admin.ok) throw new Error(admin.message);
  return set;
}
