import type { StorageFailure } from '../../store/storage-failure';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './storage-failure-card.json';

interface StorageFailureModel {
  title: string;
  advice: string;
  detail: string;
}

const expand = cardExpander<StorageFailureModel>('storage failure card', template);

const WORDS: Record<StorageFailure['kind'], { title: string; advice: string }> = {
  unavailable: {
    title: "Tollgate can't reach its database right now",
    advice: 'Please try again in a minute. Balances, legs and settings are safe: every change is saved whole or not at all.',
  },
  full: {
    title: "Tollgate's database is full",
    advice: 'An operator needs to free disk space before Tollgate can save anything. Balances, legs and settings already saved are safe; try again once it is fixed.',
  },
  read_only: {
    title: "Tollgate's database is read-only",
    advice: 'An operator needs to make the database writable again before Tollgate can save anything. What is already saved is safe; try again once it is fixed.',
  },
};

/** The answer to a command that failed on the database: what happened, that nothing changed, what to do. */
export function buildStorageFailureCard(failure: Pick<StorageFailure, 'kind' | 'code'>): AdaptiveCardJson {
  const words = WORDS[failure.kind];
  return expand({ ...words, detail: `For your Tollgate operator: ${failure.code}.` });
}
