import { cardProblems } from './card-check';

/** Teams refuses cards over about 28 KB. */
export const MAX_CARD_BYTES = 28 * 1024;

/**
 * Everything every card must be: Adaptive Cards 1.5 that the adaptivecards library parses and validates without a
 * single event, no binding left unresolved, no empty or "undefined" text, and small enough for Teams.
 */
export function expectValidCard(card: unknown): void {
  const c = card as Record<string, unknown>;
  expect(c.type).toBe('AdaptiveCard');
  expect(c.version).toBe('1.5');
  const json = JSON.stringify(card);
  expect(json).not.toContain('${');
  expect(Buffer.byteLength(json, 'utf8')).toBeLessThan(MAX_CARD_BYTES);
  expect(cardProblems(card as object)).toEqual({ parse: [], validation: [] });
  expect(structuralProblems(card)).toEqual([]);
}

/** What the library lets through but a reader would notice: empty text, empty lists, text that is not a string. */
export function structuralProblems(card: unknown): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}[${i}]`));
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const type = o.type;
    if (type === 'TextBlock' || type === 'TextRun') {
      if (typeof o.text !== 'string' || o.text.trim() === '') problems.push(`${path}: ${type} without text`);
      else if (/\b(undefined|NaN|null|\[object Object\])\b/.test(o.text)) problems.push(`${path}: "${o.text}"`);
    }
    if (type === 'FactSet') {
      const facts = o.facts as { title?: unknown; value?: unknown }[];
      if (!Array.isArray(facts) || facts.length === 0) problems.push(`${path}: empty FactSet`);
      else for (const f of facts) if (typeof f.title !== 'string' || typeof f.value !== 'string' || !f.value.trim()) problems.push(`${path}: bad fact ${JSON.stringify(f)}`);
    }
    if ((type === 'Container' || type === 'Column') && (!Array.isArray(o.items) || o.items.length === 0)) problems.push(`${path}: empty ${type}`);
    if (type === 'ColumnSet' && (!Array.isArray(o.columns) || o.columns.length === 0)) problems.push(`${path}: empty ColumnSet`);
    if (type === 'RichTextBlock' && (!Array.isArray(o.inlines) || o.inlines.length === 0)) problems.push(`${path}: empty RichTextBlock`);
    if (type === 'ActionSet' && (!Array.isArray(o.actions) || o.actions.length === 0)) problems.push(`${path}: empty ActionSet`);
    for (const [k, v] of Object.entries(o)) visit(v, `${path}.${k}`);
  };
  visit(card, '$');
  return problems;
}
