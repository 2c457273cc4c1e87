/**
 * Text both engines keep and query as it is. PostgreSQL refuses a NUL anywhere in a statement (the statement, and
 * the transaction around it, fail); a lone surrogate has no UTF-8 encoding, so both engines store U+FFFD in its
 * place, and two different ids would become one. Input that can carry such text is refused or cleaned at the door.
 */
const NOT_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EVERY_NOT_TEXT = new RegExp(NOT_TEXT.source, 'g');

/** What a refusal says about such a field, after its name. */
export const NOT_STORABLE_TEXT = 'holds a NUL character or a lone surrogate, which is not text';

export function isStorableText(text: string): boolean {
  return !NOT_TEXT.test(text);
}

/** The text with each NUL and lone surrogate replaced by U+FFFD (what UTF-8 encoding does to a lone surrogate). */
export function storableText(text: string): string {
  return text.replace(EVERY_NOT_TEXT, '\uFFFD');
}
