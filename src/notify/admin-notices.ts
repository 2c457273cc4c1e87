import { CardFactory, type ConversationReference } from 'botbuilder';
import type { AdaptiveCardJson } from '../bot/cards/expand-card';
import type { CardContext } from '../bot/cards/card-context';
import type { Tx } from '../store/database';
import { findPersonalConversation } from '../store/bot-store';
import { insertRows, outboxRowOf } from '../store/outbox-store';
import { runShaped } from '../store/shaped-query';
import { findTenant } from '../store/tenant-store';
import type { Clock } from '../time/clock';
import type { Tollgate } from '../tollgate';
import { DeliveryError, type Messenger } from './messenger';
import type { OutboxHandler } from './outbox-worker';

/**
 * Cards Tollgate sends to a tenant's admins on its own (the monthly digest, a toll-fraud incident, …).
 *
 * One outbox row per admin and notice: the database's dedupe key makes "enqueue it again" (a second replica, a
 * restart, a later leg of the same incident) a no-op, and one admin's failed delivery never re-sends to the others.
 * The card is rendered when it is delivered, so it shows the figures of that moment.
 */
export const ADMIN_NOTICE_KIND = 'admin_notice.send';

export interface AdminNoticePayload {
  /** What kind of notice, e.g. 'monthly_digest', 'fraud_incident': picks the renderer. */
  notice: string;
  /** What the notice is about, e.g. '2026-10' or an incident id: handed to the renderer. */
  key: string;
  adminId: string;
}

/** Renders one notice's card for one reader, at delivery time. */
export type AdminNoticeRenderer = (tenantId: string, key: string, ctx: CardContext) => Promise<AdaptiveCardJson>;

/** The outbox dedupe key of one admin's copy of a notice: the database holds at most one row per key. */
export function adminNoticeDedupeKey(notice: string, key: string, adminId: string): string {
  return `${notice}:${key}:${adminId}`;
}

/** Enqueues the notice for each admin, in the caller's transaction. Returns how many rows were new. */
export async function enqueueAdminNotice(
  tx: Tx,
  n: { tenantId: string; notice: string; key: string; adminIds: readonly string[]; at: string },
): Promise<number> {
  return (await enqueueAdminNotices(tx, { ...n, keys: [n.key] }))[0]!;
}

/**
 * enqueueAdminNotice for several keys of one notice (say the incidents one chunk of intake opens), all in one
 * statement: per key, in order, how many rows were new.
 */
export async function enqueueAdminNotices(
  tx: Tx,
  n: { tenantId: string; notice: string; keys: readonly string[]; adminIds: readonly string[]; at: string },
): Promise<number[]> {
  const admins = [...new Set(n.adminIds)];
  const rows = n.keys.flatMap((key) =>
    admins.map((adminId) => {
      const payload: AdminNoticePayload = { notice: n.notice, key, adminId };
      return outboxRowOf({ tenantId: n.tenantId, kind: ADMIN_NOTICE_KIND, dedupeKey: adminNoticeDedupeKey(n.notice, key, adminId), payload, at: n.at });
    }),
  );
  const added = await insertRows(tx, rows);
  return n.keys.map((key) => admins.filter((adminId) => added.has(adminNoticeDedupeKey(n.notice, key, adminId))).length);
}

/**
 * The tenant's admins as the ids their personal conversations are stored under (AAD object ids): users marked
 * admin, and TOLLGATE_ADMINS entries (an AAD id as given, a UPN through the directory).
 */
export async function listAdminIds(db: Tx, tenantId: string, bootstrapAdmins: readonly string[]): Promise<string[]> {
  // Compiled once (runShaped): intake's fraud guard asks for every chunk that opens an incident (on SQLite; on
  // PostgreSQL it reads them with the chunk's first read: fraud-store.ts loadGuardState).
  const marked = await runShaped<{ aad_object_id: string }>(db, 'listAdminIds', [tenantId, 1], () =>
    db.selectFrom('users').select('aad_object_id').where('tenant_id', '=', tenantId).where('is_admin', '=', 1),
  );
  const upns = bootstrapUpns(bootstrapAdmins);
  const byUpn = upns.length === 0 ? [] : await db.selectFrom('users').select('aad_object_id').where('tenant_id', '=', tenantId).where('upn_lower', 'in', upns).execute();
  return adminIdsOf([...marked, ...byUpn].map((r) => r.aad_object_id), bootstrapAdmins);
}

/** The TOLLGATE_ADMINS entries that are UPNs, as users.upn_lower has them: looked up in the directory. */
export function bootstrapUpns(bootstrapAdmins: readonly string[]): string[] {
  return bootstrapAdmins.filter((a) => a.includes('@')).map((u) => u.toLowerCase());
}

/** The admins' ids from the directory's (users marked admin, the UPNs' users) and the TOLLGATE_ADMINS ids as given. */
export function adminIdsOf(fromDirectory: readonly string[], bootstrapAdmins: readonly string[]): string[] {
  const ids = new Set(fromDirectory);
  for (const a of bootstrapAdmins) if (!a.includes('@')) ids.add(a);
  return [...ids].sort();
}

/** The outbox handler that delivers admin notices to each admin's personal chat with Tollgate. */
export function adminNoticeHandlers(deps: {
  tollgate: Tollgate;
  messenger: Messenger;
  clock: Clock;
  bootstrapAdmins: readonly string[];
  renderers: Record<string, AdminNoticeRenderer>;
}): Record<string, OutboxHandler> {
  const { tollgate, messenger, clock, renderers } = deps;
  return {
    [ADMIN_NOTICE_KIND]: async (row, raw) => {
      const payload = raw as AdminNoticePayload;
      const render = renderers[payload.notice];
      if (!render) throw new DeliveryError(`no renderer for admin notice '${payload.notice}'`, undefined, true);
      // Someone who stopped being an admin after the notice was queued does not get it.
      if (!(await tollgate.directory.isAdmin(row.tenant_id, payload.adminId, deps.bootstrapAdmins))) {
        throw DeliveryError.unreachable(`${payload.adminId} is no longer an admin of the tenant`);
      }
      const conversation = await findPersonalConversation(tollgate.store.db, row.tenant_id, payload.adminId);
      // An admin who never opened a chat with Tollgate cannot be reached proactively; the notice stays on record
      // as dead with this reason instead of retrying for days.
      if (!conversation) throw DeliveryError.unreachable(`admin ${payload.adminId} has no personal chat with Tollgate`);
      const reference = JSON.parse(conversation.reference) as Partial<ConversationReference>;
      const tenant = await findTenant(tollgate.store.db, row.tenant_id);
      const readerId = reference.user?.id;
      const card = await render(row.tenant_id, payload.key, {
        currency: tenant?.currency ?? 'USD',
        locale: reference.locale ?? 'en-US',
        isAdmin: true,
        now: clock.now(),
        refreshUserIds: readerId ? [readerId] : [],
      });
      await messenger.send(reference, { type: 'message', attachments: [CardFactory.adaptiveCard(card)] });
    },
  };
}
