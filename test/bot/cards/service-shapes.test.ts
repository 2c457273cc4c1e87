/**
 * The cards take the services' own results as they are. These checks fail (in `tsc`, and at run time where the
 * service is pure) when a service's result and a card's input drift apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RateCard } from '../../../src/billing/rate-card';
import type { BalanceView } from '../../../src/ledger/ledger';
import { lookUpRates, type RateLookup } from '../../../src/rates/rate-lookup';
import type { UsageReport, SpendSplit as ServiceSpendSplit } from '../../../src/usage/usage-report';
import { parseCommand, type Command } from '../../../src/bot/commands/parse-command';
import type { SpendSplit } from '../../../src/bot/cards/balance-card';
import type { AutoRechargeFormInput } from '../../../src/bot/cards/autorecharge-form-card';
import { buildBadInputCard, type BadInputCardInput } from '../../../src/bot/cards/bad-input-card';
import { buildRatesCard, type RateLookupView } from '../../../src/bot/cards/rates-card';
import type { UsageReportCardInput } from '../../../src/bot/cards/usage-report-card';
import { cardText } from './card-check';
import { NOW, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

// Type-level: each service result is assignable to the card input it feeds.
export type ServiceResultsFitCards = [
  UsageReport extends UsageReportCardInput ? true : never,
  ServiceSpendSplit extends SpendSplit ? true : never,
  RateLookup extends RateLookupView ? true : never,
  BalanceView extends AutoRechargeFormInput ? true : never,
  Extract<Command, { kind: 'invalid' }> extends BadInputCardInput ? true : never,
];
const fits: ServiceResultsFitCards = [true, true, true, true, true];

describe('service results fit the cards as they are', () => {
  it('type checks (see ServiceResultsFitCards)', () => {
    expect(fits).toEqual([true, true, true, true, true]);
  });

  it("rates/rate-lookup's lookUpRates result makes a rates card", () => {
    const loaded = RateCard.fromCsv(readFileSync(join(__dirname, '../../../data/rates.sample.csv'), 'utf8'));
    if (!loaded.ok) throw new Error('sample rate card does not load');
    for (const query of ['Germany', 'DE', '+4930901820', '+447400123456', 'Nigeria']) {
      const found = lookUpRates(loaded.card, query, NOW);
      if (!found.ok) throw new Error(`${query}: ${JSON.stringify(found)}`);
      const card = buildRatesCard({ lookup: found.value, globalDialOutPolicy: 'DialoutCPCandPSTNInternational' }, userCtx);
      expectValidCard(card);
      expect(cardText(card)).toContain('per minute');
    }
  });

  it("parseCommand's invalid answers make a bad input card", () => {
    const command = parseCommand('credits add 12,50');
    expect(command.kind).toBe('invalid');
    if (command.kind !== 'invalid') return;
    const card = buildBadInputCard(command);
    expectValidCard(card);
    expect(cardText(card)).toContain(command.usage);
  });
});
