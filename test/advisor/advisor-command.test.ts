import { parseCommand } from '../../src/bot/commands/parse-command';

describe('parseCommand: the license advisor', () => {
  it.each([
    ['advisor', { kind: 'advisor' }],
    ['/Advisor', { kind: 'advisor' }],
    ['advise', { kind: 'advisor' }],
    ['advisor 6', { kind: 'advisor', months: 6 }],
    ['advisor 6 months', { kind: 'advisor', months: 6 }],
    ['advisor last 12 months', { kind: 'advisor', months: 12 }],
    ['advisor 1 month', { kind: 'advisor', months: 1 }],
    ['advisor price 8', { kind: 'advisor_price', amountMicros: 8_000_000 }],
    ['advisor price 12.50', { kind: 'advisor_price', amountMicros: 12_500_000 }],
  ])('%s', (text, command) => {
    expect(parseCommand(text)).toEqual(command);
  });

  it.each([
    ['advisor 0', 'advisor', '"0" is not a number of months from 1 to 12.'],
    ['advisor 13 months', 'advisor', '"13 months" is not a number of months from 1 to 12.'],
    ['advisor everyone', 'advisor', '"everyone" is not a number of months from 1 to 12.'],
    ['advisor price', 'advisor price', 'The monthly price is missing.'],
    ['advisor price 0', 'advisor price', 'The monthly price must be more than 0.'],
    ['advisor price 8 USD', 'advisor price', 'Only the amount goes after "advisor price"; remove "USD".'],
  ])('%s is answered with the right form', (text, command, problem) => {
    expect(parseCommand(text)).toMatchObject({ kind: 'invalid', command, problem });
  });
});
