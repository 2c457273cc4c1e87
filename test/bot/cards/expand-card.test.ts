import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Template } from 'adaptivecards-templating';
import { cardExpander, compileTemplate } from '../../../src/bot/cards/expand-card';

describe('cardExpander', () => {
  const expand = cardExpander<{ title: string; rows: { n: string }[] }>('test card', {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'TextBlock', text: '${title}' }, { $data: '${rows}', type: 'TextBlock', text: 'row ${n}' }],
  });

  it('fills the template and leaves it reusable', () => {
    expect(expand({ title: 'A', rows: [{ n: '1' }, { n: '2' }] }).body).toEqual([
      { type: 'TextBlock', text: 'A' },
      { type: 'TextBlock', text: 'row 1' },
      { type: 'TextBlock', text: 'row 2' },
    ]);
    expect(expand({ title: 'B', rows: [] }).body).toEqual([{ type: 'TextBlock', text: 'B' }]);
  });

  it('data that looks like a binding is shown, not taken for one', () => {
    const card = expand({ title: 'Budget ${Q3}', rows: [{ n: '${$root.title}' }] });
    expect(JSON.stringify(card)).not.toContain('${');
    expect(card.body[0]).toEqual({ type: 'TextBlock', text: 'Budget $\u200B{Q3}' });
  });

  it('throws, naming the card and the binding, when the view model misses a field', () => {
    expect(() => expand({ title: 'A' } as never)).toThrow(/^test card: unresolved template bindings \$\{n\}/);
  });
});

/**
 * cardExpander fills templates with its own compiled version of them instead of adaptivecards-templating (a bot turn's
 * card cost ~0.1 ms of CPU there). The two must agree: on every card template, whatever the data, the compiled one
 * gives the library's card, or says it cannot (undefined) and leaves the data to the library.
 */
describe('compiled card templates', () => {
  const dir = path.join(__dirname, '../../../src/bot/cards');
  const templates: [string, object][] = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as object]);

  /** Each name the template binds, and how: repeated or scoped ($data), a condition ($when), a whole value, in text. */
  const rolesIn = (node: unknown, out = new Map<string, 'data' | 'when' | 'whole' | 'text'>()) => {
    const add = (name: string, role: 'data' | 'when' | 'whole' | 'text') => out.has(name) || out.set(name, role);
    if (typeof node === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(node);
      if (whole) add(whole[1]!, 'whole');
      else for (const m of node.matchAll(/\$\{([^}]*)\}/g)) add(m[1]!, 'text');
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === '$data' || k === '$when') && typeof v === 'string') add(v.slice(2, -1), k === '$data' ? 'data' : 'when');
        else rolesIn(v, out);
      }
    }
    return out;
  };
  const text = fc.string({ unit: fc.constantFrom('a', 'B', ' ', '$', '{', '}', '`', '\\', "'", 'é', '0', '\n'), maxLength: 6 });
  const odd = fc.constantFrom(null, undefined, '', [], {}, 0, 'text', [1], ['a', 'b'], { x: 1 }, true);

  /**
   * Data for a template: every scope holds each of its names, mostly with a value of the kind the template uses it
   * for, now and then anything (the library's corner cases, or data the compiled template leaves to it).
   */
  const dataFor = (roles: Map<string, 'data' | 'when' | 'whole' | 'text'>) => {
    const scalar = fc.oneof({ weight: 6, arbitrary: text }, { weight: 2, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.double() }, { weight: 1, arbitrary: fc.boolean() });
    const { scope } = fc.letrec<{ scope: Record<string, unknown> }>((tie) => {
      const byRole = {
        // Past depth 3, the first: an empty list.
        data: fc.oneof(
          { maxDepth: 3, depthIdentifier: 'scope' },
          { weight: 1, arbitrary: fc.constant([]) },
          { weight: 6, arbitrary: fc.array(tie('scope'), { maxLength: 3 }) },
          { weight: 2, arbitrary: tie('scope') },
        ),
        when: fc.oneof({ weight: 9, arbitrary: fc.boolean() }, { weight: 1, arbitrary: odd }),
        whole: fc.oneof({ weight: 8, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(text, { maxLength: 2 }) }),
        text: scalar,
      };
      return {
        scope: fc.record(
          Object.fromEntries([...roles].map(([name, role]) => [name, fc.oneof({ weight: 60, arbitrary: byRole[role] }, { weight: 1, arbitrary: odd })])),
        ),
      };
    });
    return scope;
  };

  it.each(templates)('%s is compiled', (_file, json) => {
    expect(compileTemplate(json)).toBeDefined();
  });

  it.each(templates)('%s: the compiled template and the library fill it alike', (_file, json) => {
    const compiled = compileTemplate(json)!;
    const library = new Template(json);
    let filled = 0;
    fc.assert(
      fc.property(dataFor(rolesIn(json)), (data) => {
        const mine = compiled(data);
        if (mine === undefined) return;
        filled += 1;
        expect(mine).toStrictEqual(library.expand({ $root: data }));
        // cardExpander does not look for bindings left in a compiled card: there must be none.
        expect(JSON.stringify(mine)).not.toContain('${');
      }),
      { numRuns: 100 },
    );
    // Most of the random data fits: the comparison is not vacuous.
    expect(filled).toBeGreaterThan(50);
  });

  it('agrees on the corner cases of the language: drops, repeats, nulls, flattening', () => {
    const json = {
      type: 'AdaptiveCard',
      body: [
        { $when: '${show}', type: 'TextBlock', text: '${a} and ${n}' },
        { $data: '${rows}', $when: '${on}', type: 'TextBlock', text: '${label}' },
        { $data: '${one}', type: 'TextBlock', text: '${label}' },
        '${list}',
        [['${a}'], null],
        { type: 'Container', items: { $data: '${rows}', type: 'TextBlock', text: 'x' } },
      ],
      ids: '${list}',
    };
    const compiled = compileTemplate(json)!;
    const library = new Template(json);
    for (const data of [
      { show: true, a: 'A', n: 1.5, rows: [{ label: 'r1', on: true }, { label: 'r2', on: false }, { label: 'r3', on: true }], one: { label: 'o' }, list: ['u1', 'u2'] },
      { show: 'true', a: '', n: -0, rows: [], one: { label: '' }, list: [] },
      { show: false, a: 'A', n: 2, rows: [{ label: 'only', on: true }], one: { label: 'o' }, list: ['u'] },
    ]) {
      expect(compiled(data)).toStrictEqual(library.expand({ $root: data }));
    }
    // What the compiled template leaves to the library: a missing field, a null, a scope that is not an object.
    expect(compiled({ show: true, a: 'A', rows: [], one: {}, list: [] })).toBeUndefined();
    expect(compiled({ show: true, a: null, n: 1, rows: [], one: { label: 'o' }, list: [] })).toBeUndefined();
    expect(compiled({ show: true, a: 'A', n: 1, rows: ['text'], one: { label: 'o' }, list: [] })).toBeUndefined();
    // Or data that would put a binding in the card, whole or made of two values.
    expect(compiled({ show: true, a: 'A', n: 1, rows: [], one: { label: '${x}' }, list: [] })).toBeUndefined();
    expect(compileTemplate({ text: '${a}${b}' })!({ a: '$', b: '{x}' })).toBeUndefined();
    expect(compileTemplate({ ids: '${ids}' })!({ ids: ['${x}'] })).toBeUndefined();
  });

  it('leaves to the library what it does not compile: functions, $root, escapes, names that differ only by case', () => {
    expect(compileTemplate({ text: "${if(a, 'x', 'y')}" })).toBeUndefined();
    expect(compileTemplate({ text: '${$root.a}' })).toBeUndefined();
    expect(compileTemplate({ text: 'a \\ ${b}' })).toBeUndefined();
    expect(compileTemplate({ a: '${name}', b: '${Name}' })).toBeUndefined();
    expect(compileTemplate({ $when: 'true', text: 'x' })).toBeUndefined();
  });

  it('the balance and meeting cards are filled without the library', () => {
    const expand = jest.spyOn(Template.prototype, 'expand');
    try {
      const card = cardExpander<{ title: string; rows: { n: string }[] }>('test card', {
        type: 'AdaptiveCard',
        version: '1.5',
        body: [{ type: 'TextBlock', text: '${title}' }, { $data: '${rows}', type: 'TextBlock', text: 'row ${n}' }],
      });
      card({ title: 'A', rows: [{ n: '1' }] });
      expect(expand).not.toHaveBeenCalled();
      // A field missing: the library's answer (and cardExpander's error).
      expect(() => card({ title: 'A' } as never)).toThrow(/unresolved template bindings/);
      expect(expand).toHaveBeenCalledTimes(1);
    } finally {
      expand.mockRestore();
    }
  });
});
