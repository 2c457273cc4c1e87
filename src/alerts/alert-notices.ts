import { poolMonth, poolSecondsFor } from '../billing/dial-out-pool';
import { buildLedgerAlertCard, type LedgerAlertCardInput } from '../bot/cards/ledger-alert-card';
import type { CardContext } from '../bot/cards/card-context';
import { calendarDay, minutes, money, moment, monthName, percentOf, personLabel, plural } from '../bot/cards/card-format';
import { flagAdvice, flagWords, LEG_KIND_WORDS, legKind } from '../bot/cards/leg-words';
import { displayNumber } from '../bot/cards/phone-display';
import type { AdminNoticeRenderer } from '../notify/admin-notices';
import { DeliveryError } from '../notify/messenger';
import type { Store } from '../store/database';
import { poolUsed } from '../store/leg-store';
import { findTenant, type TenantRow } from '../store/tenant-store';
import { ANOMALY_FLAGS, parseAlertKey, type LedgerAlert } from './ledger-alerts';

/** At most this many anomaly legs are listed on a card; the count covers them all. */
const ANOMALY_ROWS = 8;

/**
 * Renders the 'ledger_alert' admin notice (its key: src/alerts/ledger-alerts.ts alertKey) when the outbox delivers
 * it: the crossing as it happened, and the balance or pool as it stands now. A key this version cannot read, or a
 * tenant that is gone, gives the notice up instead of retrying it for days.
 */
export function ledgerAlertRenderer(store: Store): AdminNoticeRenderer {
  return async (tenantId, key, ctx) => {
    const alert = parseAlertKey(key);
    if (!alert) throw new DeliveryError(`admin alert: unknown key '${key}'`, undefined, true);
    const tenant = await findTenant(store.db, tenantId);
    if (!tenant) throw new DeliveryError(`admin alert ${key}: tenant ${tenantId} is gone`, undefined, true);
    return buildLedgerAlertCard(await alertWords(store, tenant, alert, ctx), ctx);
  };
}

async function alertWords(store: Store, tenant: TenantRow, alert: LedgerAlert, ctx: CardContext): Promise<LedgerAlertCardInput> {
  const fmt = { currency: tenant.currency, locale: ctx.locale };
  const balanceNow = money(Number(tenant.balance_micros), fmt);
  const threshold = tenant.low_balance_alert_micros === null ? null : Number(tenant.low_balance_alert_micros);
  const trigger = tenant.auto_recharge_trigger_micros === null ? null : Number(tenant.auto_recharge_trigger_micros);
  const amount = tenant.auto_recharge_amount_micros === null ? null : Number(tenant.auto_recharge_amount_micros);
  const autoRecharge =
    tenant.billing_mode === 'postpaid'
      ? 'Does not apply (post-paid tenant)'
      : trigger !== null && amount !== null
        ? `On: adds ${money(amount, fmt)} when the balance falls below ${money(trigger, fmt)}`
        : 'Off';

  switch (alert.kind) {
    case 'low_balance':
    case 'balance_zero':
    case 'auto_recharge': {
      const entry = await store.db
        .selectFrom('ledger_entries')
        .selectAll()
        .where('tenant_id', '=', tenant.tenant_id)
        .where('seq', '=', alert.seq)
        .executeTakeFirst();
      if (!entry) throw new DeliveryError(`admin alert: no ledger entry ${alert.seq} in tenant ${tenant.tenant_id}`, undefined, true);
      const when = moment(entry.created_at, ctx);
      const after = money(Number(entry.balance_after_micros), fmt);
      if (alert.kind === 'auto_recharge') {
        return {
          title: 'Auto-recharge added credits',
          color: 'Good',
          summary: `Auto-recharge added ${money(Number(entry.amount_micros), fmt)} to Communications Credits on ${when}.`,
          facts: [
            { label: 'Balance after the recharge', value: after },
            { label: 'Balance now', value: balanceNow },
            { label: 'Auto-recharge', value: autoRecharge },
          ],
          cadence: 'Sent once per recharge',
          action:
            'Nothing, if this was expected. Check the payment in the Microsoft 365 admin center (Billing), and say “balance” for where the money goes, or “autorecharge on <trigger> <amount>” to change the trigger or amount.',
        };
      }
      if (alert.kind === 'balance_zero') {
        return {
          title: 'Communications Credits used up',
          color: 'Attention',
          summary:
            `The balance reached ${after} on ${when}. Until credits are added, toll-free dial-in, dial-out beyond the pool ` +
            'and every pay-per-minute call are refused; calls already under way are recorded as they happened.',
          facts: [
            { label: 'Balance now', value: balanceNow },
            { label: 'Auto-recharge', value: autoRecharge },
            ...(threshold !== null ? [{ label: 'Low-balance alert', value: `Below ${money(threshold, fmt)}` }] : []),
          ],
          cadence: 'Sent once each time the balance reaches zero',
          action:
            'Buy Communications Credits in the Microsoft 365 admin center, then record them here with “credits add <amount>” (e.g. “credits add 200”). Turn on auto-recharge (“autorecharge on <trigger> <amount>”) so it does not happen again.',
        };
      }
      return {
        title: 'Balance below your low-balance alert',
        color: 'Warning',
        summary: `The Communications Credits balance fell to ${after} on ${when}, below the alert of ${money(threshold ?? 0, fmt)}.`,
        facts: [
          { label: 'Balance now', value: balanceNow },
          { label: 'Low-balance alert', value: threshold === null ? 'Off now' : `Below ${money(threshold, fmt)}` },
          { label: 'Auto-recharge', value: autoRecharge },
        ],
        cadence: 'Sent once each time the balance falls below the alert',
        action:
          'Add credits in the Microsoft 365 admin center and record them with “credits add <amount>”, or change the alert with “alerts low-balance <amount>” (0 turns it off). Say “balance” for the burn rate and days left.',
      };
    }

    case 'pool': {
      const used = await poolUsed(store.db, tenant.tenant_id, alert.month);
      const totalNow = poolSecondsFor(tenant.pool_licenses);
      const name = monthName(alert.month, ctx.locale);
      const full = alert.percent >= 100;
      const current = alert.month === poolMonth(ctx.now);
      return {
        title: full ? `Dial-out minute pool used up for ${name}` : `Dial-out minute pool at ${alert.percent} % for ${name}`,
        color: full ? 'Attention' : 'Warning',
        summary: full
          ? 'Every pool minute of the month is used: Zone A dial-outs of subscription organizers are now paid from Communications Credits until the pool resets on the 1st (UTC).'
          : `${alert.percent} % of the month's ${minutes(alert.totalSeconds / 60, ctx.locale)} pool minutes are used. When the pool runs out, Zone A dial-outs of subscription organizers are paid from Communications Credits.`,
        facts: [
          { label: current ? 'Used so far' : 'Used', value: `${minutes(used / 60, ctx.locale)} of ${minutes(totalNow / 60, ctx.locale)} min (${percentOf(used, totalNow, ctx.locale)})` },
          { label: 'Pool size', value: `${plural(Number(tenant.pool_licenses), 'license', 'licenses', ctx.locale)} × 60 min` },
          { label: 'Balance now', value: balanceNow },
        ],
        cadence: 'Sent once per month and threshold',
        action:
          'Make sure the balance covers the dial-outs to come (“balance”), or, if more Audio Conferencing licenses were bought, raise the pool with “tollgate tenant pool-licenses <n> --tenant <id>”.',
      };
    }

    case 'anomaly': {
      const next = new Date(Date.parse(`${alert.day}T00:00:00.000Z`) + 86_400_000).toISOString();
      // The organizer as the directory knows them now (Graph's records carry only the id).
      const flagged = await store.db
        .selectFrom('legs')
        .leftJoin('users', (j) => j.onRef('users.tenant_id', '=', 'legs.tenant_id').onRef('users.aad_object_id', '=', 'legs.organizer_id'))
        .select([
          'legs.id',
          'legs.call_type',
          'legs.toll_free',
          'legs.callee_number',
          'legs.caller_number',
          'legs.start_at',
          'legs.organizer_id',
          'legs.organizer_upn',
          'legs.organizer_name',
          'users.display_name',
          'users.upn',
          'legs.flags',
          'legs.charge_micros',
        ])
        .where('legs.tenant_id', '=', tenant.tenant_id)
        .where('legs.start_at', '>=', `${alert.day}T00:00:00.000Z`)
        .where('legs.start_at', '<', next)
        .where('legs.flags', '!=', '')
        .orderBy('legs.start_at')
        .orderBy('legs.id')
        .execute();
      const anomalies = flagged
        .map((l) => ({ ...l, anomalies: l.flags.split(',').filter((f) => (ANOMALY_FLAGS as readonly string[]).includes(f)) }))
        .filter((l) => l.anomalies.length > 0);
      const byFlag = new Map<string, number>();
      for (const l of anomalies) for (const f of l.anomalies) byFlag.set(f, (byFlag.get(f) ?? 0) + 1);
      const flags = [...byFlag.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const charged = anomalies.reduce((s, l) => s + Number(l.charge_micros), 0);
      const dayWords = calendarDay(alert.day, ctx.locale, true);
      return {
        title: `Calls that broke a policy or license rule on ${dayWords}`,
        color: 'Warning',
        summary:
          anomalies.length === 1
            ? `1 call on ${dayWords} (UTC) went through although the organizer's policy or license should not have allowed it. ` +
              'Teams placed it, so it is charged as it happened.'
            : `${plural(anomalies.length, 'call', 'calls', ctx.locale)} on ${dayWords} (UTC) went through although the organizers' ` +
              'policies or licenses should not have allowed them. Teams placed them, so they are charged as they happened.',
        facts: [
          ...flags.map(([f, n]) => ({ label: flagWords(f), value: plural(n, 'call', 'calls', ctx.locale) })),
          { label: 'Charged to credits', value: money(charged, fmt) },
        ],
        rows: {
          title: 'The calls',
          items: anomalies.slice(0, ANOMALY_ROWS).map((l) => {
            const kind = LEG_KIND_WORDS[legKind({ callType: l.call_type, tollFree: Boolean(l.toll_free) })];
            const number = l.call_type === 'conf_out' ? l.callee_number : l.caller_number;
            return {
              text: `${personLabel({ displayName: l.display_name ?? l.organizer_name, upn: l.upn ?? l.organizer_upn, id: l.organizer_id })}: ${kind} ${displayNumber(number, ctx.isAdmin)}`,
              detail: `${moment(l.start_at, ctx)} · ${l.anomalies.map(flagWords).join('; ')} · ${money(Number(l.charge_micros), fmt)}`,
            };
          }),
          note: anomalies.length > ANOMALY_ROWS ? `And ${plural(anomalies.length - ANOMALY_ROWS, 'more call', 'more calls', ctx.locale)}: “tollgate calls list” shows them all.` : undefined,
        },
        cadence: 'Sent once per day of calls',
        action: flags.map(([f]) => flagAdvice(f)).filter(Boolean).slice(0, 3).join(' ') || 'Check the organizers’ licenses and policies in the Teams admin center.',
      };
    }
  }
}
