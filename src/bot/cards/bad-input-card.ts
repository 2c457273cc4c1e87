import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './bad-input-card.json';

/**
 * A command Tollgate knows, typed with bad input, or text it did not understand. parseCommand's
 * `{ kind: 'invalid', command, problem, usage }` fits as it is.
 */
export interface BadInputCardInput {
  /** The command as named in help, e.g. 'credits add'; omitted for text that matched no command. */
  command?: string;
  /** What was wrong, in words that quote what the user typed. */
  problem: string;
  /** The right form, e.g. 'credits add <amount>, e.g. credits add 200'; omitted when there is none to show. */
  usage?: string;
  title?: string;
}

interface BadInputModel {
  title: string;
  problem: string;
  hasUsage: boolean;
  usage: string;
}

const expand = cardExpander<BadInputModel>('bad input card', template);

/** What was wrong with what the user typed, the form that works, and where to find the rest. Never blames. */
export function buildBadInputCard(input: BadInputCardInput): AdaptiveCardJson {
  const usage = input.usage?.trim() ?? '';
  return expand({
    title: input.title ?? (input.command ? `"${input.command}" needs a small fix` : "I didn't catch that"),
    problem: input.problem,
    hasUsage: usage !== '',
    usage,
  });
}
