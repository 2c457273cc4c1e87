import { buildStorageFailureCard } from '../../src/bot/cards/storage-failure-card';
import { deliveryErrorOf } from '../../src/notify/messenger';
import { recordAfterSend } from '../../src/notify/record-after-send';
import { storageFailureLine, storageFailureOf } from '../../src/store/storage-failure';
import { cardText } from '../bot/support/bot-harness';
import { expectValidCard } from '../bot/cards/expect-valid-card';

/**
 * The pure parts behind the resilience suites: which driver errors mean "the database is unavailable / full /
 * read-only" (and so a retryable answer instead of a 500), what the outbox makes of a connector's answer, and the
 * retry of the record that follows a send.
 */
describe('storage failures: driver errors by meaning', () => {
  const err = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code ? { code } : {});

  it.each([
    ['SQLITE_FULL', 'full'],
    ['SQLITE_IOERR_WRITE', 'full'],
    ['SQLITE_IOERR_FSYNC', 'full'],
    ['53100', 'full'], // PostgreSQL disk_full
    ['SQLITE_READONLY', 'read_only'],
    ['SQLITE_READONLY_DIRECTORY', 'read_only'],
    ['25006', 'read_only'], // PostgreSQL read_only_sql_transaction
    ['SQLITE_BUSY', 'unavailable'],
    ['SQLITE_IOERR_READ', 'unavailable'],
    ['SQLITE_CANTOPEN', 'unavailable'],
    ['57P01', 'unavailable'], // admin_shutdown: a restart
    ['57P03', 'unavailable'], // starting up
    ['08006', 'unavailable'],
    ['53300', 'unavailable'], // too many connections
    ['ECONNREFUSED', 'unavailable'],
    ['ECONNRESET', 'unavailable'],
  ])('%s is %s', (code, kind) => {
    expect(storageFailureOf(err(code))).toMatchObject({ kind, code });
  });

  it.each([
    'Connection terminated unexpectedly',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ])('pg without a code: "%s" is unavailable', (message) => {
    expect(storageFailureOf(err(undefined, message))).toMatchObject({ kind: 'unavailable' });
  });

  it.each([
    ['23505', 'duplicate key value violates unique constraint'],
    ['SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed'],
    ['42P01', 'relation does not exist'],
    [undefined, 'Cannot read properties of undefined'],
  ])('%s (%s) is a bug, not an outage', (code, message) => {
    expect(storageFailureOf(err(code, message))).toBeUndefined();
    expect(storageFailureLine(err(code, message))).toBeUndefined();
  });

  it('words one line for operators', () => {
    expect(storageFailureLine(err('SQLITE_FULL'))).toBe(
      "Tollgate's database is out of space (SQLITE_FULL): nothing was half-written; free disk space (check quotas and file-size limits too), then run it again",
    );
    expect(storageFailureLine(err('57P01'))).toBe('Tollgate cannot reach its database (57P01): nothing was half-written; run it again shortly');
  });

  it.each(['unavailable', 'full', 'read_only'] as const)('the bot card for %s is a valid card that says nothing changed', (kind) => {
    const card = buildStorageFailureCard({ kind, code: 'CODE_X' });
    expectValidCard(card);
    expect(cardText(card)).toMatch(/Nothing was changed/);
    expect(cardText(card)).toMatch(/CODE_X/);
  });
});

describe("the outbox's reading of a connector failure", () => {
  const restError = (statusCode: number, headers: Record<string, string> = {}) =>
    Object.assign(new Error(`status ${statusCode}`), { statusCode, response: { headers: { get: (n: string) => headers[n] } } });
  const now = new Date('2026-11-15T12:00:00Z');

  it('takes Retry-After from 429 and 503, in seconds or as a date', () => {
    expect(deliveryErrorOf(restError(429, { 'retry-after': '7' }), 1000, now)).toMatchObject({ retryAfterMs: 7_000, permanent: false });
    expect(deliveryErrorOf(restError(503, { 'retry-after': 'Sun, 15 Nov 2026 12:00:30 GMT' }), 1000, now)).toMatchObject({ retryAfterMs: 30_000, permanent: false });
    expect(deliveryErrorOf(restError(429), 1000, now)).toMatchObject({ retryAfterMs: undefined, permanent: false });
    expect(deliveryErrorOf(restError(500, { 'retry-after': '7' }), 1000, now)).toMatchObject({ retryAfterMs: undefined, permanent: false });
  });

  it('gives up at once when the conversation or the bot is gone, and retries a timeout', () => {
    expect(deliveryErrorOf(restError(403), 1000, now)).toMatchObject({ permanent: true });
    expect(deliveryErrorOf(restError(404), 1000, now)).toMatchObject({ permanent: true });
    const timeout = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(deliveryErrorOf(timeout, 1500, now)).toMatchObject({ permanent: false, message: 'the connector did not answer within 1500 ms (it may have received the message)' });
  });
});

describe('recording what was sent, through a short database outage', () => {
  const outage = Object.assign(new Error('Connection terminated unexpectedly'), {});

  it('retries while the database is unavailable, then records', async () => {
    let calls = 0;
    const result = await recordAfterSend(Date.now() + 10_000, async () => {
      calls += 1;
      if (calls < 3) throw outage;
      return 'stored';
    });
    expect(result).toBe('stored');
    expect(calls).toBe(3);
  });

  it('does not retry a bug, nor past the deadline', async () => {
    let calls = 0;
    const bug = new Error('Cannot read properties of undefined');
    await expect(recordAfterSend(Date.now() + 10_000, async () => ((calls += 1), Promise.reject(bug)))).rejects.toBe(bug);
    expect(calls).toBe(1);
    calls = 0;
    await expect(recordAfterSend(Date.now() + 50, async () => ((calls += 1), Promise.reject(outage)))).rejects.toBe(outage);
    expect(calls).toBe(1);
  });
});
