import { buildMonthlyDigestCard } from '../bot/cards/monthly-digest-card';
import type { AdminNoticeRenderer } from '../notify/admin-notices';
import { DeliveryError } from '../notify/messenger';
import type { MonthlyDigests } from './monthly-digest';

/**
 * Renders the 'monthly_digest' admin notice (key: the month, YYYY-MM) when the outbox delivers it, so the card shows
 * the figures of that moment. A tenant that is gone has nothing to digest: the notice is given up, not retried.
 */
export function monthlyDigestRenderer(digests: MonthlyDigests): AdminNoticeRenderer {
  return async (tenantId, month, ctx) => {
    const d = await digests.digest(tenantId, month, ctx.now);
    if (!d.ok) throw new DeliveryError(`monthly digest ${month}: ${d.message}`, undefined, true);
    return buildMonthlyDigestCard(d.value, ctx);
  };
}
