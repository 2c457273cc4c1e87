import pg from 'pg';
import { pgIntegerArray, pgTextArray } from '../../src/store/pg-arrays';
import { POSTGRES_URL } from '../support/engines';

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
