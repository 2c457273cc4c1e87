import { storableText } from '../store/storable-text';

/**
 * Text from a Teams activity (typed, clicked or sent by whoever can reach /api/messages) as the store can take it:
 * a NUL would fail the turn's queries on PostgreSQL, so each NUL and lone surrogate becomes U+FFFD here, once, at
 * the door (store/storable-text.ts). The rest of the bot looks up and writes only text both engines keep alike.
 */
export { storableText };

/** An activity field that should be text: storable if it is, undefined if it is anything else. */
export function storableOptionalText(text: unknown): string | undefined {
  return typeof text === 'string' ? storableText(text) : undefined;
}

/**
 * A card's data as the handlers read it: its own fields, names and text values made storable. Anything nested is
 * left as it came (no handler reads into it), and is not walked: data can nest as deep as a request body allows.
 */
export function storableFields(data: unknown): Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  // fromEntries defines own properties: a "__proto__" field stays data, as JSON.parse left it.
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [storableText(k), typeof v === 'string' ? storableText(v) : v]));
}
