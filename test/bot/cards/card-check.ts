/**
 * What the tests ask of every card: the adaptivecards library (the renderer Teams' own web client is built on)
 * parses it for version 1.5 without complaint, nothing is left unresolved, and the figures a user would read
 * are there as text.
 */
// The package's main entry is an ES module build that Node 20 cannot require; the UMD bundle works.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

export interface CardProblems {
  parse: string[];
  validation: string[];
}

/** Parse and validate a card as Adaptive Cards 1.5; returns every event the library reports. */
export function cardProblems(card: object): CardProblems {
  const adaptive = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  adaptive.parse(card, context);
  const parse: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    parse.push(`${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  const validation = adaptive.validateProperties().validationEvents.map((e) => `${AC.ValidationEvent[e.event]}: ${e.message}`);
  return { parse, validation };
}

/** Every string a reader can see: text, facts, choice titles, input labels and placeholders, action titles. */
export function visibleTexts(card: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    for (const key of ['text', 'title', 'value', 'label', 'placeholder', 'errorMessage']) {
      if (typeof o[key] === 'string' && key !== 'value') out.push(o[key] as string);
    }
    // A fact's value and a TextRun's text are what people read; an input's value is a default, also read.
    if (typeof o.value === 'string') out.push(o.value);
    for (const [key, v] of Object.entries(o)) {
      if (key === 'data' || key === 'refresh') continue;
      visit(v);
    }
  };
  visit(card);
  return out;
}

/** All visible text as one string, for `toContain` checks. */
export function cardText(card: unknown): string {
  return visibleTexts(card).join('\n');
}

/** Every Action.Execute anywhere in the card (body, actions, refresh). */
export function executeActions(card: unknown): { verb: string; data?: unknown; title?: string }[] {
  const out: { verb: string; data?: unknown; title?: string }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.Execute') out.push({ verb: String(o.verb), data: o.data, title: o.title as string | undefined });
    for (const [key, v] of Object.entries(o)) if (key !== 'data') visit(v);
  };
  visit(card);
  return out;
}
