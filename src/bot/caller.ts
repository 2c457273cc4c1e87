import type { Activity } from 'botbuilder';
import { storableOptionalText } from './activity-text';
import { cachedIntl } from '../billing/intl-cache';

/** Who sent an activity, from where. The tenant comes from the activity alone, never from text or card data. */
export interface Caller {
  tenantId: string | undefined;
  /** The user's Entra object id (from.aadObjectId). */
  userId: string | undefined;
  userName: string | undefined;
  conversationId: string;
  conversationType: 'personal' | 'groupChat' | 'channel';
  locale: string;
}

export function callerOf(activity: Partial<Activity>): Caller {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  const type = activity.conversation?.conversationType;
  // Ids and names are looked up and stored: made storable here, once (activity-text.ts).
  return {
    tenantId: storableOptionalText(activity.conversation?.tenantId ?? channelData.tenant?.id),
    userId: storableOptionalText(activity.from?.aadObjectId),
    userName: storableOptionalText(activity.from?.name),
    conversationId: storableOptionalText(activity.conversation?.id) ?? '',
    conversationType: type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal',
    locale: normalizeLocale(activity.locale),
  };
}

function normalizeLocale(locale: string | undefined): string {
  if (!locale) return 'en-US';
  // Several times a turn, and the same few locales turn after turn: ICU's canonicalization is not free.
  return cachedIntl(`canonical|${locale}`, () => {
    try {
      return Intl.getCanonicalLocales(locale)[0] ?? 'en-US';
    } catch {
      return 'en-US';
    }
  });
}
