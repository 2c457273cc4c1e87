import pg from 'pg';
import { MEETING_COLUMN_TYPES } from '../../src/store/leg-store';
import { pgIntegerArray, pgTextArray, unnestRows } from '../../src/store/pg-arrays';
import type { MeetingsTable } from '../../src/store/schema';
import { freshStore, POSTGRES_URL } from '../support/engines';

/**
 * pgTextArray / pgIntegerArray: the literals PostgreSQL reads back as the same arrays (checked against a real server
 * when TEST_DATABASE_URL is set), whatever the elements hold.
 */

const AWKWARD = ['plain', '', ' ', ' lead and trail ', 'a,b', '{braces}', '}', '{', 'quo"te', '"', '""', 'back\\slash', '\\', '\\"', 'a\\"b"\\c', 'NULL', 'null', 'tab\there', 'line\nbreak', 'ünïcødé ✓ 日本 🎉', "it's", '9:1800 10:3600'];

describe('pg array literals (text)', () => {
  it('quotes every element and escapes quotes and backslashes', () => {
    expect(pgTextArray([])).toBe('{}');
    expect(pgTextArray(['a', '', 'b c'])).toBe('{"a","","b c"}');
    expect(pgTextArray(['x"y', 'p\\q'])).toBe('{"x\\"y","p\\\\q"}');
    expect(pgTextArray(['a', null])).toBe('{"a",NULL}');
    expect(pgIntegerArray([1, -2, 30_000_000_000, null])).toBe('{1,-2,30000000000,NULL}');
  });
});

(POSTGRES_URL ? describe : describe.skip)('pg array literals through PostgreSQL', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  it('text[]: the same array back, element for element', async () => {
    const res = await client.query<{ a: (string | null)[] }>('SELECT $1::text[] AS a', [pgTextArray(AWKWARD)]);
    expect(res.rows[0]!.a).toEqual(AWKWARD);
    for (const one of AWKWARD) {
      const single = await client.query<{ a: string[] }>('SELECT $1::text[] AS a', [pgTextArray([one])]);
      expect(single.rows[0]!.a).toEqual([one]);
    }
  });

  it('text[]: NULL elements and the empty array', async () => {
    const res = await client.query<{ a: (string | null)[]; n: number }>('SELECT $1::text[] AS a, cardinality($2::text[]) AS n', [pgTextArray(['NULL', null, '']), pgTextArray([])]);
    expect(res.rows[0]!.a).toEqual(['NULL', null, '']);
    expect(res.rows[0]!.n).toBe(0);
  });

  it('text[]: what pg itself sends for a JS array', async () => {
    const res = await client.query<{ same: boolean }>('SELECT $1::text[] IS NOT DISTINCT FROM $2::text[] AS same', [pgTextArray(AWKWARD), AWKWARD]);
    expect(res.rows[0]!.same).toBe(true);
  });

  it('integer[] and bigint[]', async () => {
    const res = await client.query<{ i: number[]; b: string[] }>('SELECT $1::integer[] AS i, $2::bigint[] AS b', [pgIntegerArray([0, -7, 2_147_483_647, null]), pgIntegerArray([9_007_199_254_740_991, -1])]);
    expect(res.rows[0]!.i).toEqual([0, -7, 2_147_483_647, null]);
    expect(res.rows[0]!.b).toEqual(['9007199254740991', '-1']);
  });
});

(POSTGRES_URL ? describe : describe.skip)('unnestRows: meeting rows inserted through one typed array per column (the rollup upsert’s types)', () => {
  it('stores every row as it was, awkward text, NULLs and integers past 2^31 included', async () => {
    const { store, cleanup } = await freshStore('postgres');
    try {
      const rows: MeetingsTable[] = AWKWARD.map((text, i) => ({
        tenant_id: 't-unnest',
        conference_id: `${i}:${text}`,
        organizer_id: i % 3 === 0 ? null : text,
        legs: i,
        billed_seconds: 3_000_000_000 + i,
        pool_seconds: 0,
        charge_micros: 9_000_000_000_000_000 + i,
        subscription_legs: 1,
        pool_legs: 0,
        credits_legs: i % 2,
        addon_legs: 0,
        flagged_legs: 0,
        first_start_at: '2026-11-03T10:00:00.000Z',
        last_end_at: i % 4 === 0 ? null : '2026-11-03T10:45:00.000Z',
        updated_at: '2026-11-23T10:00:00.000Z',
      }));
      const columns = Object.keys(rows[0]!) as (keyof MeetingsTable)[];
      await store.db.insertInto('meetings').columns(columns).expression(unnestRows(columns, MEETING_COLUMN_TYPES, rows)).execute();
      const back = await store.db.selectFrom('meetings').selectAll().where('tenant_id', '=', 't-unnest').orderBy('legs').execute();
      // bigint columns come back from pg as strings: compared as the digits they hold.
      const digits = (r: MeetingsTable) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
      expect(back.map(digits)).toEqual(rows.map(digits));
    } finally {
      await cleanup();
    }
  });
});
