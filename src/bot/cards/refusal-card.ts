import { personLabel, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './refusal-card.json';

export interface RefusalCardInput {
  /** The command that was refused, as named in help, e.g. 'credits add'. */
  command: string;
  /** The tenant's Tollgate admins, so the user knows whom to ask; empty or omitted when unknown. */
  admins?: readonly PersonName[];
}

interface RefusalModel {
  what: string;
  ask: string;
}

const expand = cardExpander<RefusalModel>('refusal card', template);

export const MAX_ADMINS_NAMED = 5;

/** For someone who tried an admin command: clear, polite, nothing changed, and whom to ask. */
export function buildRefusalCard(input: RefusalCardInput): AdaptiveCardJson {
  const names = (input.admins ?? []).map((a) => personLabel(a, '')).filter(Boolean);
  const shown = names.slice(0, MAX_ADMINS_NAMED);
  const list = shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
  const extra = names.length > shown.length ? ` (or one of ${names.length - shown.length} more)` : '';
  return expand({
    what: `Only Tollgate admins can use "${input.command}", and you are not one.`,
    ask:
      shown.length === 0
        ? 'If the change is needed, ask a Tollgate admin to make it. Your Teams or IT admin can tell you who they are.'
        : `If the change is needed, ask ${shown.length === 1 ? 'your Tollgate admin' : 'one of your Tollgate admins'}: ${list}${extra}.`,
  });
}
