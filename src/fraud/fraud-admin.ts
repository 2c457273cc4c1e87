import type { DialOutPolicyName } from '../billing/dial-out-policy';
import { failure, ok, type Outcome } from '../outcome';
import { audit } from '../store/audit-store';
import type { Store, Tx } from '../store/database';
import {
  addToBlockList,
  findIncident,
  incidentMeetings,
  listBlockList,
  listIncidents,
  loadFraudSettingsText,
  removeFromBlockList,
  saveFraudSettingsText,
  updateIncidentResolution,
  type FraudBlockRow,
  type FraudIncidentRow,
} from '../store/fraud-store';
import { findTenant, type TenantRow } from '../store/tenant-store';
import { findUser, findUsers, updateUser } from '../store/user-store';
import type { Clock } from '../time/clock';
import { isFraudPattern } from './fraud-patterns';
import { changeSetting, parseStoredSettings, serializeSettings, type FraudSettings, type SettingChange } from './fraud-settings';
import type { IncidentAction, IncidentMeeting, IncidentView } from './incident-words';
import { domesticOnlyPolicy } from './restrict-policy';
import { parseBlockTarget, type MatchDetail } from './rules';

export type IncidentDecision = 'restrict' | 'block' | 'dismiss';

export interface IncidentWithMeetings extends IncidentView {
  meetings: IncidentMeeting[];
}

export interface DecisionResult {
  incident: IncidentWithMeetings;
  decision: IncidentDecision;
  /** restrict: the organizer's policy before and after (equal when it already allowed no more than domestic). */
  policy?: { before: DialOutPolicyName; after: DialOutPolicyName; own: boolean };
  /** block: the entry, and whether it was new. */
  blocked?: { target: string; added: boolean };
}

/**
 * What admins do with the guard: read and change its settings, the block list, and the incidents (restrict the
 * organizer, block the destination, dismiss). Every change is one transaction under the tenant's lock with its audit
 * entry; the tenant always comes from the caller (the Teams activity, the CLI's --tenant), never from an incident.
 */
export class FraudAdmin {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async settings(tenantId: string): Promise<Outcome<{ settings: FraudSettings; blockList: FraudBlockRow[]; currency: string; country: string }>> {
    const tenant = await findTenant(this.store.db, tenantId);
    if (!tenant) return failure('unknown_tenant');
    const settings = parseStoredSettings(await loadFraudSettingsText(this.store.db, tenantId));
    return ok({ settings, blockList: await listBlockList(this.store.db, tenantId), currency: tenant.currency, country: tenant.country });
  }

  /** `fraud set <name> <args…>`. */
  async changeSetting(tenantId: string, name: string, args: readonly string[], actor: string): Promise<Outcome<SettingChange>> {
    return this.inTenant(tenantId, async (tx, tenant) => {
      const current = parseStoredSettings(await loadFraudSettingsText(tx, tenantId));
      const change = changeSetting(current, name, args, tenant.currency);
      if (!change.ok) return change;
      await saveFraudSettingsText(tx, tenantId, serializeSettings(change.value.settings), this.now(), actor);
      await this.audit(tx, tenantId, actor, 'fraud.settings', { setting: change.value.name, before: change.value.before, after: change.value.after });
      return change;
    });
  }

  /** Blocking on: authorize refuses suspected fraud. Off: it allows it and flags it. */
  async setBlocking(tenantId: string, on: boolean, actor: string): Promise<Outcome<{ before: boolean; after: boolean }>> {
    return this.inTenant(tenantId, async (tx) => {
      const current = parseStoredSettings(await loadFraudSettingsText(tx, tenantId));
      await saveFraudSettingsText(tx, tenantId, serializeSettings({ ...current, blocking: on }), this.now(), actor);
      await this.audit(tx, tenantId, actor, 'fraud.blocking', { before: current.blocking, after: on });
      return ok({ before: current.blocking, after: on });
    });
  }

  async block(tenantId: string, targetText: string, actor: string): Promise<Outcome<{ target: string; added: boolean }>> {
    const parsed = parseBlockTarget(targetText);
    if (!parsed.ok) return failure('invalid_block_target', parsed.problem);
    return this.inTenant(tenantId, async (tx) => {
      const added = await addToBlockList(tx, { tenant_id: tenantId, target: parsed.target, added_at: this.now(), added_by: actor, incident_id: null });
      if (added) await this.audit(tx, tenantId, actor, 'fraud.block', { target: parsed.target });
      return ok({ target: parsed.target, added });
    });
  }

  async unblock(tenantId: string, targetText: string, actor: string): Promise<Outcome<{ target: string }>> {
    const parsed = parseBlockTarget(targetText);
    if (!parsed.ok) return failure('invalid_block_target', parsed.problem);
    return this.inTenant(tenantId, async (tx) => {
      if (!(await removeFromBlockList(tx, tenantId, parsed.target))) {
        return failure('not_blocked', `${parsed.target} is not on the block list: nothing changed.`);
      }
      await this.audit(tx, tenantId, actor, 'fraud.unblock', { target: parsed.target });
      return ok({ target: parsed.target });
    });
  }

  /** Open incidents (or every incident), the latest activity first, with organizer names from the directory. */
  async incidents(tenantId: string, options: { all?: boolean; limit?: number } = {}): Promise<Outcome<IncidentView[]>> {
    const db = this.store.db;
    if (!(await findTenant(db, tenantId))) return failure('unknown_tenant');
    const rows = await listIncidents(db, tenantId, options.all ? ['open', 'resolved', 'dismissed'] : ['open'], options.limit ?? 200);
    const users = new Map((await findUsers(db, tenantId, [...new Set(rows.map((r) => r.organizer_id))])).map((u) => [u.aad_object_id, u]));
    return ok(rows.map((r) => viewOf(r, users.get(r.organizer_id))));
  }

  async incident(tenantId: string, id: string, tx: Tx = this.store.db): Promise<Outcome<IncidentWithMeetings>> {
    const row = await findIncident(tx, tenantId, id);
    // The same answer for another tenant's id as for no such id.
    if (!row) return failure('unknown_incident', `There is no incident ${id} in this organization: incidents lists the open ones.`);
    const user = await findUser(tx, tenantId, row.organizer_id);
    const meetings = (await incidentMeetings(tx, tenantId, id)).map((m) => ({ conferenceId: m.conference_id, legs: m.legs, lastStartAt: m.last_start_at }));
    return ok({ ...viewOf(row, user), meetings });
  }

  /**
   * An admin's decision on an incident. restrict: the organizer's own dial-out policy becomes domestic-only for
   * meetings (their PSTN rights unchanged), as `policy set` would do it. block: the incident's destination goes on the
   * block list. dismiss: not fraud; the same episodes stay quiet for this organizer. Restrict and block may both be
   * done (in either order); a dismissed incident can still be restricted or blocked if the admin thinks again.
   */
  async decide(tenantId: string, id: string, decision: IncidentDecision, actor: string): Promise<Outcome<DecisionResult>> {
    return this.inTenant(tenantId, async (tx, tenant) => {
      const row = await findIncident(tx, tenantId, id);
      if (!row) return failure('unknown_incident', `There is no incident ${id} in this organization: incidents lists the open ones.`);
      const now = this.now();
      const actions = actionsOf(row);
      const result: Omit<DecisionResult, 'incident'> = { decision };
      if (decision === 'dismiss') {
        if (row.status !== 'open') return failure('incident_closed', `This incident is already ${row.status}: nothing changed.`);
        await updateIncidentResolution(tx, tenantId, id, { status: 'dismissed', actions: row.actions, resolved_at: now, resolved_by: actor, updated_at: now });
        await this.audit(tx, tenantId, actor, 'fraud.incident.dismiss', { incident: id, organizer: row.organizer_id, pattern: row.pattern });
      } else if (decision === 'restrict') {
        const user = await findUser(tx, tenantId, row.organizer_id);
        if (!user) {
          return failure('unknown_user', `The organizer ${row.organizer_upn ?? row.organizer_id} is not in Tollgate's directory, so no policy can be set: block the destination instead, or import the user first.`);
        }
        const before = (user.dial_out_policy ?? tenant.global_dial_out_policy) as DialOutPolicyName;
        const after = domesticOnlyPolicy(before);
        if (after !== before) {
          await updateUser(tx, tenantId, user.aad_object_id, { dial_out_policy: after, updated_at: now });
          // The same entry `policy set @user` writes, so the audit log reads the same whichever way it was done.
          await this.audit(tx, tenantId, actor, 'policy.set', { scope: 'user', user: user.aad_object_id, policy: after, because: `fraud incident ${id}` });
        }
        await this.resolveWith(tx, row, actions, 'restricted', actor, now);
        await this.audit(tx, tenantId, actor, 'fraud.incident.restrict', { incident: id, organizer: user.aad_object_id, policyBefore: before, policyAfter: after });
        result.policy = { before, after, own: user.dial_out_policy !== null };
      } else {
        const added = await addToBlockList(tx, { tenant_id: tenantId, target: row.block_target, added_at: now, added_by: actor, incident_id: id });
        await this.resolveWith(tx, row, actions, 'blocked', actor, now);
        await this.audit(tx, tenantId, actor, 'fraud.incident.block', { incident: id, target: row.block_target, added });
        result.blocked = { target: row.block_target, added };
      }
      const incident = await this.incident(tenantId, id, tx);
      if (!incident.ok) return incident;
      return ok({ ...result, incident: incident.value });
    });
  }

  private async resolveWith(tx: Tx, row: FraudIncidentRow, actions: IncidentAction[], action: IncidentAction, actor: string, now: string): Promise<void> {
    const next = [...new Set([...actions, action])];
    const first = row.status !== 'resolved';
    await updateIncidentResolution(tx, row.tenant_id, row.id, {
      status: 'resolved',
      actions: next.join(','),
      resolved_at: first ? now : row.resolved_at,
      resolved_by: first ? actor : row.resolved_by,
      updated_at: now,
    });
  }

  private inTenant<T>(tenantId: string, fn: (tx: Tx, tenant: TenantRow) => Promise<Outcome<T>>): Promise<Outcome<T>> {
    return this.store.inTenantTransaction(tenantId, async (tx) => {
      const tenant = await findTenant(tx, tenantId);
      if (!tenant) return failure('unknown_tenant');
      return fn(tx, tenant);
    });
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private audit(tx: Tx, tenantId: string, actor: string, action: string, detail: unknown) {
    return audit(tx, { tenantId, actor, action, detail, at: this.now() });
  }
}

function actionsOf(row: Pick<FraudIncidentRow, 'actions'>): IncidentAction[] {
  return row.actions.split(',').filter((a): a is IncidentAction => a === 'restricted' || a === 'blocked');
}

function viewOf(row: FraudIncidentRow, user: { display_name: string | null; upn: string | null } | undefined): IncidentView {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    organizerName: user?.display_name ?? row.organizer_name,
    organizerUpn: user?.upn ?? row.organizer_upn,
    pattern: isFraudPattern(row.pattern) ? row.pattern : 'premium_rate',
    status: row.status,
    legs: Number(row.legs),
    dialOutSeconds: Number(row.dialout_seconds),
    costMicros: Number(row.cost_micros),
    firstLegAt: row.first_leg_at,
    lastLegAt: row.last_leg_at,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    detail: JSON.parse(row.detail) as MatchDetail,
    blockTarget: row.block_target,
    actions: actionsOf(row),
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  };
}
