import { cardProblems } from '../../bot/cards/card-check';
import { MAX_CARD_BYTES, structuralProblems } from '../../bot/cards/expect-valid-card';

/**
 * expectValidCard for cards that answer fuzzed input: the same checks, except that a word like "NaN" or "undefined"
 * in a text is the user's own when the input carried it (the card quotes what was typed, as it should).
 */
export function expectValidCardFor(card: unknown, input: string): void {
  const c = card as Record<string, unknown>;
  expect(c.type).toBe('AdaptiveCard');
  expect(c.version).toBe('1.5');
  const json = JSON.stringify(card);
  expect(json).not.toContain('${');
  expect(Buffer.byteLength(json, 'utf8')).toBeLessThan(MAX_CARD_BYTES);
  expect(cardProblems(card as object)).toEqual({ parse: [], validation: [] });
  const echoed = (problem: string) => {
    const word = /\b(undefined|NaN|null|\[object Object\])\b/.exec(problem.replace(/^[^:]*: /, ''))?.[1];
    return word !== undefined && input.includes(word);
  };
  expect(structuralProblems(card).filter((p) => !echoed(p))).toEqual([]);
}
