import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { DEFAULT_DIAL_OUT_POLICY, findDialOutPolicy } from '../billing/dial-out-policy';
import { licensesWithPlan, planFor } from '../billing/licenses';
import { licensesOf } from './organizer-profile';
import type { Store, Tx } from '../store/database';
import { audit } from '../store/audit-store';
import { countAdmins, findUser, updateUser, upsertUsers, type UserRow } from '../store/user-store';
import { findTenant, insertTenant, updateTenantSettings, type TenantRow } from '../store/tenant-store';
import { failure, ok, type Outcome } from '../outcome';
import type { Clock } from '../time/clock';

export const USERS_CSV_HEADER = ['aadObjectId', 'userPrincipalName', 'displayName', 'usageLocation', 'licenses', 'dialOutPolicy', 'tollFreeDialIn'];

const ISO_COUNTRY = /^[A-Z]{2}$/;
const ISO_CURRENCY = /^[A-Z]{3}$/;

export interface TenantInit {
  tenantId: string;
  country: string;
  currency: string;
  name?: string;
  poolLicenses?: number;
  billingMode?: 'prepaid' | 'postpaid';
}

const tenantIdSchema = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');

/** Tenants, their users (licenses, usage location, policies, toll-free switch) and Tollgate admins. */
export class Directory {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async initTenant(init: TenantInit, actor: string): Promise<Outcome<TenantRow>> {
    const id = tenantIdSchema.safeParse(init.tenantId);
    if (!id.success) return failure('invalid_tenant_id', `Tenant id: ${id.error.issues[0]!.message}.`);
    const country = init.country.trim().toUpperCase();
    if (!ISO_COUNTRY.test(country)) return failure('invalid_country', `Country must be an ISO 3166 two-letter code like US or DE, not "${init.country}".`);
    const currency = init.currency.trim().toUpperCase();
    if (!ISO_CURRENCY.test(currency)) return failure('invalid_currency', `Currency must be an ISO 4217 code like USD or EUR, not "${init.currency}".`);
    const pool = init.poolLicenses ?? 0;
    if (!Number.isInteger(pool) || pool < 0 || pool > 10_000_000) return failure('invalid_pool_licenses', 'Pool licenses must be a whole number, 0 or more.');
    const row: TenantRow = {
      tenant_id: id.data,
      name: init.name?.trim() || id.data,
      country,
      currency,
      billing_mode: init.billingMode ?? 'prepaid',
      pool_licenses: pool,
      global_dial_out_policy: DEFAULT_DIAL_OUT_POLICY,
      auto_recharge_trigger_micros: null,
      auto_recharge_amount_micros: null,
      low_balance_alert_micros: null,
      balance_micros: 0,
      last_entry_seq: 0,
      funded_total_micros: 0,
      last_leg_seq: 0,
      created_at: this.clock.now().toISOString(),
    };
    return this.store.inTransaction(async (tx) => {
      const created = await insertTenant(tx, row);
      if (!created) return failure('tenant_exists', `Tenant ${row.tenant_id} already exists: nothing changed.`);
      await this.audit(tx, row.tenant_id, actor, 'tenant.init', { country, currency, poolLicenses: pool, name: row.name });
      return ok(row);
    });
  }

  async tenant(tenantId: string): Promise<TenantRow | undefined> {
    return findTenant(this.store.db, tenantId);
  }

  /** Validates the whole file first: a bad line writes nothing. */
  async importUsersCsv(tenantId: string, csv: string, actor: string): Promise<Outcome<{ users: number }>> {
    const parsed = parseUsersCsv(tenantId, csv, this.clock.now().toISOString());
    if (!parsed.ok) return parsed;
    return this.inTenant(tenantId, async (tx) => {
      await upsertUsers(tx, parsed.value);
      await this.audit(tx, tenantId, actor, 'users.import', { users: parsed.value.length });
      return ok({ users: parsed.value.length });
    });
  }

  async setAdmin(tenantId: string, user: string, isAdmin: boolean, actor: string): Promise<Outcome<UserRow>> {
    return this.inTenant(tenantId, async (tx) => {
      const row = await findUser(tx, tenantId, user);
      if (!row) return failure('unknown_user', `No user ${user} in this tenant: import users first (tollgate users import).`);
      if (!isAdmin && row.is_admin === 1 && (await countAdmins(tx, tenantId)) === 1) {
        return failure('last_admin', 'That is the last Tollgate admin: add another admin first.');
      }
      await updateUser(tx, tenantId, row.aad_object_id, { is_admin: isAdmin ? 1 : 0, updated_at: this.now() });
      await this.audit(tx, tenantId, actor, isAdmin ? 'admins.add' : 'admins.remove', { user: row.aad_object_id });
      return ok({ ...row, is_admin: isAdmin ? 1 : 0 });
    });
  }

  async setGlobalPolicy(tenantId: string, policyText: string, actor: string): Promise<Outcome<string>> {
    const policy = findDialOutPolicy(policyText);
    if (!policy) return failure('unknown_policy', `"${policyText}" is not a dial-out policy: use one of the 12 OnlineDialOutPolicy names, e.g. DialoutCPCDomesticPSTNInternational.`);
    return this.inTenant(tenantId, async (tx) => {
      await updateTenantSettings(tx, tenantId, { global_dial_out_policy: policy });
      await this.audit(tx, tenantId, actor, 'policy.set', { scope: 'global', policy });
      return ok(policy);
    });
  }

  /** A user's own policy; `null` clears it so the user falls back to the global one. */
  async setUserPolicy(tenantId: string, user: string, policyText: string | null, actor: string): Promise<Outcome<string | null>> {
    const policy = policyText === null ? null : findDialOutPolicy(policyText);
    if (policy === undefined) return failure('unknown_policy', `"${policyText}" is not a dial-out policy: use one of the 12 OnlineDialOutPolicy names, e.g. DialoutCPCDomesticPSTNInternational.`);
    return this.inTenant(tenantId, async (tx) => {
      const row = await findUser(tx, tenantId, user);
      if (!row) return failure('unknown_user', `No user ${user} in this tenant: import users first (tollgate users import).`);
      await updateUser(tx, tenantId, row.aad_object_id, { dial_out_policy: policy, updated_at: this.now() });
      await this.audit(tx, tenantId, actor, 'policy.set', { scope: 'user', user: row.aad_object_id, policy });
      return ok(policy);
    });
  }

  async setPoolLicenses(tenantId: string, licenses: number, actor: string): Promise<Outcome<number>> {
    if (!Number.isInteger(licenses) || licenses < 0) return failure('invalid_pool_licenses', 'Pool licenses must be a whole number, 0 or more.');
    return this.inTenant(tenantId, async (tx) => {
      await updateTenantSettings(tx, tenantId, { pool_licenses: licenses });
      await this.audit(tx, tenantId, actor, 'pool-licenses.set', { licenses });
      return ok(licenses);
    });
  }

  /**
   * Moves a user between subscription, pay-per-minute and no Audio Conferencing, optionally adding or removing the
   * Communications Credits license; any other SKU the user holds is kept. Returns the licenses before and after.
   *
   * `adjustPoolLicenses` (the license advisor's switches): the subscription license is bought for, or given back by,
   * this user, so the purchased count that sizes the dial-out pool follows in the same transaction: one more when the
   * user moves onto subscription, one fewer (never below 0) when they leave it, unchanged when their plan did not
   * change (a second click on the same switch changes nothing).
   */
  async setLicense(
    tenantId: string,
    user: string,
    plan: 'subscription' | 'ppm' | 'none',
    credits: boolean | undefined,
    actor: string,
    options: { adjustPoolLicenses?: boolean; via?: string } = {},
  ): Promise<Outcome<{ user: UserRow; before: string[]; after: string[]; poolLicenses?: { before: number; after: number } }>> {
    return this.inTenant(tenantId, async (tx) => {
      const row = await findUser(tx, tenantId, user);
      if (!row) return failure('unknown_user', `No user ${user} in this tenant: import users first (tollgate users import).`);
      const before = licensesOf(row);
      const after = licensesWithPlan(before, plan, credits);
      await updateUser(tx, tenantId, row.aad_object_id, { licenses: after.join(';'), updated_at: this.now() });
      let poolLicenses: { before: number; after: number } | undefined;
      if (options.adjustPoolLicenses) {
        const delta = (planFor(after) === 'subscription' ? 1 : 0) - (planFor(before) === 'subscription' ? 1 : 0);
        const current = (await findTenant(tx, tenantId))!.pool_licenses;
        poolLicenses = { before: current, after: Math.max(0, current + delta) };
        if (poolLicenses.after !== current) {
          await updateTenantSettings(tx, tenantId, { pool_licenses: poolLicenses.after });
          await this.audit(tx, tenantId, actor, 'pool-licenses.set', { licenses: poolLicenses.after, before: current, because: 'license.set', user: row.aad_object_id });
        }
      }
      const via = options.via ? { via: options.via } : {};
      await this.audit(tx, tenantId, actor, 'license.set', { user: row.aad_object_id, before, after, ...(poolLicenses ? { poolLicenses } : {}), ...via });
      return ok({ user: row, before, after, ...(poolLicenses ? { poolLicenses } : {}) });
    });
  }

  async setTollFree(tenantId: string, user: string, on: boolean, actor: string): Promise<Outcome<{ user: UserRow; before: boolean }>> {
    return this.inTenant(tenantId, async (tx) => {
      const row = await findUser(tx, tenantId, user);
      if (!row) return failure('unknown_user', `No user ${user} in this tenant: import users first (tollgate users import).`);
      await updateUser(tx, tenantId, row.aad_object_id, { toll_free_dial_in: on ? 1 : 0, updated_at: this.now() });
      await this.audit(tx, tenantId, actor, 'tollfree.set', { user: row.aad_object_id, on });
      return ok({ user: row, before: row.toll_free_dial_in === 1 });
    });
  }

  /** The balance below which admins are warned; null turns the warning off. */
  async setLowBalanceAlert(tenantId: string, micros: number | null, actor: string): Promise<Outcome<number | null>> {
    return this.inTenant(tenantId, async (tx) => {
      await updateTenantSettings(tx, tenantId, { low_balance_alert_micros: micros });
      await this.audit(tx, tenantId, actor, 'alerts.low-balance', { micros });
      return ok(micros);
    });
  }

  async user(tenantId: string, idOrUpn: string): Promise<UserRow | undefined> {
    return findUser(this.store.db, tenantId, idOrUpn);
  }

  /** A Tollgate admin of the tenant: marked admin in the directory, or named in TOLLGATE_ADMINS. */
  async isAdmin(tenantId: string, userId: string, bootstrapAdmins: readonly string[]): Promise<boolean> {
    return isAdminUser(await findUser(this.store.db, tenantId, userId), userId, bootstrapAdmins);
  }

  private inTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<Outcome<T>>): Promise<Outcome<T>> {
    return this.store.inTenantTransaction(tenantId, async (tx) => {
      if (!(await findTenant(tx, tenantId))) return failure('unknown_tenant');
      return fn(tx);
    });
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private audit(tx: Tx, tenantId: string, actor: string, action: string, detail: unknown) {
    return audit(tx, { tenantId, actor, action, detail, at: this.now() });
  }
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

export function parseUsersCsv(tenantId: string, csv: string, now: string): Outcome<UserRow[]> {
  let records: string[][];
  try {
    records = parseCsv(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    return failure('invalid_users_csv', `The users file is not valid CSV: ${(err as Error).message}`);
  }
  const header = records[0];
  if (!header || header.join(',') !== USERS_CSV_HEADER.join(',')) {
    return failure('invalid_users_csv', `The users file must start with the header ${USERS_CSV_HEADER.join(',')}.`);
  }
  const errors: string[] = [];
  const rows: UserRow[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((fields, i) => {
    const line = i + 2;
    if (fields.length !== USERS_CSV_HEADER.length) {
      errors.push(`line ${line}: expected ${USERS_CSV_HEADER.length} fields, found ${fields.length}`);
      return;
    }
    const [id, upn, name, location, licenses, policyText, tollFree] = fields as [string, string, string, string, string, string, string];
    if (!id) errors.push(`line ${line}: aadObjectId is required`);
    if (seen.has(id.toLowerCase())) errors.push(`line ${line}: user ${id} appears twice`);
    seen.add(id.toLowerCase());
    const country = location.toUpperCase();
    if (!ISO_COUNTRY.test(country)) errors.push(`line ${line}: usageLocation must be a two-letter country code, not "${location}"`);
    const skus = licenses.split(';').map((s) => s.trim().toUpperCase()).filter(Boolean);
    const badSku = skus.find((s) => !/^[A-Z0-9_]+$/.test(s));
    if (badSku) errors.push(`line ${line}: "${badSku}" is not a SKU part name (licenses are ;-separated, e.g. MCOMEETADV;MCOPSTNPP)`);
    const policy = policyText ? findDialOutPolicy(policyText) : null;
    if (policy === undefined) errors.push(`line ${line}: "${policyText}" is not a dial-out policy name`);
    const tf = tollFree.toLowerCase();
    if (tf && !TRUE_WORDS.has(tf) && !FALSE_WORDS.has(tf)) errors.push(`line ${line}: tollFreeDialIn must be true or false, not "${tollFree}"`);
    rows.push({
      tenant_id: tenantId,
      aad_object_id: id,
      upn: upn || null,
      upn_lower: upn ? upn.toLowerCase() : null,
      display_name: name || null,
      usage_location: country,
      licenses: skus.join(';'),
      dial_out_policy: policy ?? null,
      toll_free_dial_in: tf === '' || TRUE_WORDS.has(tf) ? 1 : 0,
      is_admin: 0,
      updated_at: now,
    });
  });
  if (errors.length > 0) {
    const more = errors.length > 10 ? `; and ${errors.length - 10} more` : '';
    return failure('invalid_users_csv', `The users file has errors, nothing was imported: ${errors.slice(0, 10).join('; ')}${more}`);
  }
  return ok(rows);
}

/** isAdmin for a user already read: `row` is what user(tenantId, userId) found for `userId`. */
export function isAdminUser(row: UserRow | undefined, userId: string, bootstrapAdmins: readonly string[]): boolean {
  if (row?.is_admin === 1) return true;
  const names = [userId, row?.aad_object_id, row?.upn_lower].filter((x): x is string => !!x).map((x) => x.toLowerCase());
  return names.some((n) => bootstrapAdmins.includes(n));
}
