import { Template } from 'adaptivecards-templating';

/** An expanded Adaptive Card, ready to send as an attachment (contentType application/vnd.microsoft.card.adaptive). */
export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  [property: string]: unknown;
}

export type CardExpander<T extends object> = (data: T) => AdaptiveCardJson;

/**
 * Compiles a card's JSON template once and returns the function that fills it.
 *
 * The templating engine leaves a `${name}` it cannot resolve in the output as it is, and copies data strings
 * verbatim, so a meeting title like "Budget ${Q3}" would look like a broken binding. Data strings are therefore
 * neutralised (a zero-width space after the `$`) and any `${` still in the output is a bug in the template or
 * its view model: it throws rather than show a user a card with holes in it.
 */
export function cardExpander<T extends object>(name: string, templateJson: object): CardExpander<T> {
  const template = new Template(templateJson);
  const fast = compileTemplate(templateJson);
  return (data: T) => {
    const root = neutralize(data);
    // The compiled template never leaves a `${` in its card: data that would make one goes to the library.
    const compiled = fast?.(root);
    if (compiled !== undefined) return compiled as AdaptiveCardJson;
    const card = template.expand({ $root: root }) as AdaptiveCardJson;
    // Walked rather than serialized: the card is serialized once more to be sent, and most have nothing to report.
    if (holdsBinding(card)) {
      const unresolved = JSON.stringify(card).match(/\$\{[^}]*\}?/g) ?? [];
      throw new Error(`${name}: unresolved template bindings ${[...new Set(unresolved)].join(', ')}`);
    }
    return card;
  };
}

/** A string in the value holds `${`, or an object in it is not a plain one (a Date, a Map): copying makes it one. */
function needsCopy(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some(needsCopy);
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return true;
    for (const v of Object.values(value)) if (needsCopy(v)) return true;
  }
  return false;
}

/** Any string in the value (keys included) holds `${`. */
function holdsBinding(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some(holdsBinding);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k.includes('${') || holdsBinding(v)) return true;
  }
  return false;
}

/** The data with `${` defused in every string, as plain objects; what needs neither is passed as it is, not copied. */
function neutralize(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('${') ? value.replace(/\$\{/g, '$\u200B{') : value;
  if (!needsCopy(value)) return value;
  if (Array.isArray(value)) return value.map(neutralize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = neutralize(v);
    return out;
  }
  return value;
}

/**
 * The card-level `refresh` and the visible Refresh button of a card whose figures can change: the same
 * Action.Execute, so Teams' automatic refresh and a click reach the same handler.
 */
export interface RefreshAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: Record<string, string>;
}

export function refreshAction(verb: string, data: Record<string, string> = {}): RefreshAction {
  return { type: 'Action.Execute', title: 'Refresh', verb, data };
}

/**
 * Filling a card the way adaptivecards-templating does, without it, for the part of the template language Tollgate's
 * cards use: `${name}` bindings of a field of the data in scope (alone, or within text), `$data: "${name}"` (an array
 * repeats the element, an object becomes its scope) and `$when: "${name}"` (kept only when the field is `true`).
 * The library parses every binding as an expression, evaluates it through adaptive-expressions and looks each name
 * up by walking the scope's keys: ~0.1 ms of a bot turn's CPU for the balance or the meeting card.
 *
 * A template that uses anything else (functions, `$root`, `$index`, escapes) is not compiled: the library fills it.
 * Data the compiled template cannot take as the library would (a field that is missing, null or undefined, a scope
 * that is not a plain object, a non-scalar within text) makes that one expansion go to the library, which gives it
 * its own answer (a binding left as `${name}`, which cardExpander reports), and so does data that would put a `${`
 * in the card: the compiled template's cards hold none, so cardExpander need not walk them to look. The library
 * finds a field whatever its case (the first key that matches); compiled, names must match exactly, so templates
 * whose names differ only by case are not compiled. test/bot/cards/expand-card.test.ts checks that the two agree on
 * every card template.
 */
type Scope = unknown;
type Expand = (scope: Scope) => unknown;

/** The data does not fit the compiled template: this expansion goes to the library. */
const FALL_BACK = Symbol('fall back to adaptivecards-templating');

const RESERVED = new Set(['$data', '$when', '$root', '$index', '$host', '$_acTemplateVersion']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Constants of adaptive-expressions, not fields. */
const NOT_FIELDS = new Set(['true', 'false', 'null', 'undefined']);

/** The field `name` of the scope, as the library finds it when the key is there in that very case. */
function field(scope: Scope, name: string): unknown {
  if (scope === null || typeof scope !== 'object' || Array.isArray(scope) || !Object.prototype.hasOwnProperty.call(scope, name)) throw FALL_BACK;
  const value = (scope as Record<string, unknown>)[name];
  if (value === null || value === undefined) throw FALL_BACK;
  return value;
}

/** A field's value as a whole binding shows it, unless it holds a `${` (cardExpander's error is the library's). */
function wholeField(scope: Scope, name: string): unknown {
  const value = field(scope, name);
  if (typeof value === 'string' ? value.includes('${') : typeof value === 'object' && holdsBinding(value)) throw FALL_BACK;
  return value;
}

/**
 * The template compiled, or undefined when it uses more of the language than this knows. The compiled template
 * returns the card, or undefined when the data does not fit it (the library's turn).
 */
export function compileTemplate(templateJson: object): ((data: unknown) => unknown) | undefined {
  const names = new Map<string, string>();
  const ok = { value: true };
  const bindingName = (text: unknown): string | undefined => {
    const m = typeof text === 'string' ? /^\$\{([^}]*)\}$/.exec(text) : null;
    return m && isField(m[1]!) ? m[1] : undefined;
  };
  const isField = (name: string): boolean => {
    if (!NAME.test(name) || NOT_FIELDS.has(name)) return false;
    const lower = name.toLowerCase();
    const seen = names.get(lower);
    if (seen !== undefined && seen !== name) return false;
    names.set(lower, name);
    return true;
  };
  const compile = (node: unknown): Expand => {
    if (!ok.value) return () => undefined;
    if (typeof node === 'string') return compileText(node);
    if (Array.isArray(node)) {
      const items = node.map(compile);
      return (scope) => {
        const out: unknown[] = [];
        for (const item of items) {
          const value = item(scope);
          if (value === null) continue;
          if (Array.isArray(value)) out.push(...value);
          else out.push(value);
        }
        return out;
      };
    }
    if (node !== null && typeof node === 'object') {
      const entries: [string, Expand][] = [];
      for (const [key, value] of Object.entries(node)) {
        if (key.includes('${')) ok.value = false;
        if (!RESERVED.has(key)) entries.push([key, compile(value)]);
      }
      const fill = (scope: Scope): Record<string, unknown> => {
        const out: Record<string, unknown> = {};
        for (const [key, expand] of entries) {
          const value = expand(scope);
          if (value !== undefined) out[key] = value;
        }
        return out;
      };
      const raw = node as Record<string, unknown>;
      const when = raw.$when === undefined ? undefined : bindingName(raw.$when);
      const data = raw.$data === undefined ? undefined : bindingName(raw.$data);
      if ((raw.$when !== undefined && when === undefined) || (raw.$data !== undefined && data === undefined)) ok.value = false;
      const kept = (scope: Scope) => when === undefined || field(scope, when) === true;
      if (data === undefined) return (scope) => (kept(scope) ? fill(scope) : null);
      return (scope) => {
        const value = field(scope, data);
        const scopes = Array.isArray(value) ? value : [value];
        const out: Record<string, unknown>[] = [];
        for (const s of scopes) {
          // The library keeps the outer scope for an undefined item: not worth copying.
          if (s === undefined) throw FALL_BACK;
          if (kept(s)) out.push(fill(s));
        }
        return out.length === 0 ? null : out.length === 1 ? out[0] : out;
      };
    }
    return () => node;
  };
  const compileText = (text: string): Expand => {
    if (!text.includes('${')) return () => text;
    const whole = bindingName(text);
    if (whole !== undefined) return (scope) => wholeField(scope, whole);
    const parts: (string | { name: string })[] = [];
    let at = 0;
    for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push(text.slice(at, m.index));
      if (!isField(m[1]!)) ok.value = false;
      parts.push({ name: m[1]! });
      at = m.index! + m[0].length;
    }
    parts.push(text.slice(at));
    // Escapes, backquotes and stray braces mean something to the library's parser: left to it.
    if (parts.some((p) => typeof p === 'string' && /[\\`${}]/.test(p))) ok.value = false;
    return (scope) => {
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') out += p;
        else {
          const value = field(scope, p.name);
          if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw FALL_BACK;
          out += String(value);
        }
      }
      // Two values may make one between them ("$" then "{…").
      if (out.includes('${')) throw FALL_BACK;
      return out;
    };
  };
  const expand = compile(templateJson);
  if (!ok.value) return undefined;
  return (data) => {
    try {
      return expand(data);
    } catch (err) {
      if (err === FALL_BACK) return undefined;
      throw err;
    }
  };
}
