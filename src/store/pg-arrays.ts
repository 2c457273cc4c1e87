/**
 * PostgreSQL array parameters written as array literals ("{...}") here, not handed to pg as JS arrays: pg converts an
 * array element by element through prepareValue and escapes each one with two regular expressions, which on the
 * fraud guard's chunks (hundreds of day rows, six arrays of them) was about a fifth of this process's CPU in the hook
 * (a profile on PostgreSQL: ~32 of ~177 ms). The text is what pg would have sent; the SQL casts it (`$1::text[]`).
 */

/**
 * A text[] literal: every element quoted ("" for the empty string, "NULL" for the text NULL), `"` and `\` escaped with
 * a backslash; null is NULL.
 */
export function pgTextArray(values: readonly (string | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) text += ',';
    if (v === null || v === undefined) {
      text += 'NULL';
      continue;
    }
    text += '"';
    text += needsEscape(v) ? v.replace(/[\\"]/g, '\\$&') : v;
    text += '"';
  }
  return text + '}';
}

/** A literal of integers (integer[], bigint[]): each element as String writes it; null is NULL. */
export function pgIntegerArray(values: readonly (number | null)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) text += ',';
    text += v === null || v === undefined ? 'NULL' : String(v);
  }
  return text + '}';
}

function needsEscape(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34 /* " */ || c === 92 /* \ */) return true;
  }
  return false;
}
