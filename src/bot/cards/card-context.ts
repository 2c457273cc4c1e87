/**
 * What every card builder needs to know about who is looking and when, besides the data it shows.
 * The bot fills it from the activity and the tenant: never from card data or message text.
 */
export interface CardContext {
  /** The tenant's ISO 4217 currency: money is shown in it. */
  currency: string;
  /** The reader's BCP 47 locale (Teams' activity.locale), e.g. 'en-US', 'de-DE'. */
  locale: string;
  /** A Tollgate admin sees full phone numbers and admin commands. */
  isAdmin: boolean;
  now: Date;
  /** The reader's IANA time zone (Teams' activity.localTimezone); times are shown in UTC without it. */
  timeZone?: string;
  /**
   * Who gets a card refreshed automatically (Teams user MRIs, at most 60). Teams refreshes a card with an empty
   * list only when someone picks "Refresh card" from its menu, so pass the reader's id for live figures.
   */
  refreshUserIds?: readonly string[];
}
