import type { IncidentView } from '../../fraud/incident-words';
import { patternTitle } from '../../fraud/incident-words';
import type { CardContext } from './card-context';
import { minutes, moment, money, personLabel, plural } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './fraud-incidents-card.json';

export interface FraudIncidentsCardInput {
  incidents: readonly IncidentView[];
  blocking: boolean;
}

/** Teams rejects cards over about 28 KB: the card lists the most recent incidents and counts the rest. */
export const MAX_INCIDENTS_SHOWN = 10;

interface IncidentsModel {
  refreshUserIds: string[];
  title: string;
  blocking: string;
  incidents: { id: string; title: string; organizer: string; detail: string; cost: string }[];
  hasMore: boolean;
  more: string;
  footer: string;
}

const expand = cardExpander<IncidentsModel>('fraud incidents card', template);

/** The open toll-fraud incidents (admins only), the latest activity first, each with a Details button. */
export function buildFraudIncidentsCard(input: FraudIncidentsCardInput, ctx: CardContext): AdaptiveCardJson {
  const loc = ctx.locale;
  const shown = input.incidents.slice(0, MAX_INCIDENTS_SHOWN).map((i) => ({
    id: i.id,
    title: patternTitle(i.pattern),
    organizer: personLabel({ displayName: i.organizerName, upn: i.organizerUpn, id: i.organizerId }),
    detail: `${plural(i.legs, 'dial-out', 'dial-outs', loc)}, ${minutes(i.dialOutSeconds / 60, loc)} min · latest ${moment(i.lastLegAt, ctx)}`,
    cost: money(i.costMicros, { currency: ctx.currency, locale: loc }),
  }));
  const hidden = input.incidents.length - shown.length;
  const n = input.incidents.length;
  return expand({
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    title: n === 0 ? 'No open incidents' : `${plural(n, 'open incident', 'open incidents', loc)}`,
    blocking: input.blocking
      ? 'Blocking is on: Tollgate refuses dial-outs that look like toll fraud.'
      : 'Blocking is off: dial-outs that look like toll fraud are allowed and flagged. "fraud blocking on" refuses them.',
    incidents: shown,
    hasMore: hidden > 0,
    more: `and ${plural(hidden, 'more incident', 'more incidents', loc)}: tollgate incidents --tenant <tenant> lists them all.`,
    footer: 'Every settled dial-out is checked against the rules in "fraud settings". An organizer has at most one open incident per rule.',
  });
}
