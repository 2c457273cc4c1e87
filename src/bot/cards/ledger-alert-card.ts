import type { CardContext } from './card-context';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './ledger-alert-card.json';

/** An admin alert as src/alerts/alert-notices.ts words it: the card only lays it out. */
export interface LedgerAlertCardInput {
  title: string;
  /** Adaptive Card text colour of the title: 'Attention' for what stops calls, 'Warning' for what is coming. */
  color: 'Attention' | 'Warning' | 'Good' | 'Default';
  summary: string;
  facts: readonly { label: string; value: string }[];
  rows?: { title: string; items: readonly { text: string; detail: string }[]; note?: string };
  /** The commands that help, in words. */
  action: string;
  /** How often this alert comes (the card's last line). */
  cadence: string;
}

interface Model {
  title: string;
  color: string;
  summary: string;
  facts: { label: string; value: string }[];
  hasRows: boolean;
  rowsTitle: string;
  rows: { text: string; detail: string }[];
  hasRowsNote: boolean;
  rowsNote: string;
  action: string;
  footer: string;
}

const expand = cardExpander<Model>('ledger alert card', template);

/**
 * The card an admin gets when the balance falls below the low-balance alert or reaches zero, auto-recharge adds
 * funds, the dial-out pool reaches 80 % or 100 %, or calls break a policy or license rule.
 */
export function buildLedgerAlertCard(a: LedgerAlertCardInput, _ctx: CardContext): AdaptiveCardJson {
  return expand({
    title: a.title,
    color: a.color,
    summary: a.summary,
    facts: [...a.facts],
    hasRows: (a.rows?.items.length ?? 0) > 0,
    rowsTitle: a.rows?.title ?? '',
    rows: [...(a.rows?.items ?? [])],
    hasRowsNote: Boolean(a.rows?.note),
    rowsNote: a.rows?.note ?? '',
    action: a.action,
    footer: `${a.cadence} to every Tollgate admin. Figures are as of when this card was sent.`,
  });
}
