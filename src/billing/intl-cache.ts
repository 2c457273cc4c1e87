/**
 * Intl formatters kept by what they were built from. Building one (locale negotiation, ICU data) costs tens of
 * microseconds, formatting with it about one, and a card formats dozens of figures: the bot built them anew on every
 * call. Keys are made of locales, currencies and time zones that come from activities and tenants, so the cache is
 * bounded: the least recently built go first. A formatter that cannot be built (a bad locale or currency) throws
 * as before and is not kept.
 */
const MAX_FORMATTERS = 500;
/** Longer keys are built each time and not kept: a locale is a few characters, one from an activity could be a megabyte. */
export const MAX_CACHED_KEY_LENGTH = 200;
const formatters = new Map<string, unknown>();

export function cachedIntl<T>(key: string, build: () => T): T {
  if (key.length > MAX_CACHED_KEY_LENGTH) return build();
  let formatter = formatters.get(key) as T | undefined;
  if (formatter === undefined) {
    formatter = build();
    if (formatters.size >= MAX_FORMATTERS) formatters.delete(formatters.keys().next().value!);
    formatters.set(key, formatter);
  }
  return formatter;
}

/** Intl.NumberFormat for `locale` and `options`, built once. */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cachedIntl(`n|${locale}|${JSON.stringify(options)}`, () => new Intl.NumberFormat(locale, options));
}

/** Intl.DateTimeFormat for `locale` and `options`, built once. */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cachedIntl(`d|${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}
