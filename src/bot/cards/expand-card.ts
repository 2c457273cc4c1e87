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
  return (data: T) => {
    const card = template.expand({ $root: neutralize(data) }) as AdaptiveCardJson;
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
