import { CompiledQuery, PostgresAdapter, sql, type Compilable, type DialectAdapter, type RawBuilder } from 'kysely';
import type { Tx } from './database';

/**
 * SQL text per engine (its dialect adapter, the same object for the database and its transactions) and shape: what
 * Kysely compiled the first time.
 */
const shapedTexts = new WeakMap<DialectAdapter, Map<string, string>>();

/** A query builder, or raw SQL (which compiles against an executor: the handle's). */
type Buildable = Compilable<unknown> | RawBuilder<unknown>;

/**
 * The SQL text of the query `build` makes, compiled by Kysely once per engine and `shape`: for queries that run on
 * hot paths (most bot turns, every chunk of intake), where building and compiling them costs more CPU than the
 * database running them. Every query of one shape must compile to the same text (the shape names whatever changes
 * the text: the number of ranges, the columns), and `params` must be what `build` binds, in order; the first compile
 * checks both counts and values, and throws if they differ. Each engine gets its own text (its own placeholders).
 */
export function shapedText(tx: Tx, shape: string, params: readonly unknown[], build: () => Buildable): string {
  const adapter = tx.getExecutor().adapter;
  let texts = shapedTexts.get(adapter);
  if (!texts) shapedTexts.set(adapter, (texts = new Map()));
  let text = texts.get(shape);
  if (text === undefined) {
    const compiled = compile(tx, build());
    if (compiled.parameters.length !== params.length || compiled.parameters.some((p, i) => p !== params[i])) {
      throw new Error(`shapedText: the ${shape} query binds other parameters than it was given`);
    }
    text = compiled.sql;
    texts.set(shape, text);
  }
  return text;
}

function compile(tx: Tx, query: Buildable): CompiledQuery<unknown> {
  return 'isRawBuilder' in query ? query.compile(tx) : query.compile();
}

/** Runs the query `build` makes with the text shapedText keeps for it: only its parameters are bound again. */
export async function runShaped<R>(tx: Tx, shape: string, params: readonly unknown[], build: () => Buildable): Promise<R[]> {
  return (await tx.executeQuery<R>(CompiledQuery.raw(shapedText(tx, shape, params, build), [...params]))).rows;
}

/**
 * The longest `in (…)` list given its own shape: one shape per length, so lists up to this long make at most this
 * many texts; longer ones are compiled each time. With two lists, the product of their lengths is held to it.
 */
const MAX_SHAPED_LIST = 100;

/**
 * runShaped for a query with an `in (…)` or VALUES list of `listLength` values (or several lists, their lengths in
 * order): one shape per length (`shape(length)`) up to MAX_SHAPED_LIST, a longer list compiled each time (its text is
 * not kept).
 */
export async function runShapedList<R>(tx: Tx, shape: string, listLength: number | readonly number[], params: readonly unknown[], build: () => Buildable): Promise<R[]> {
  const lengths = typeof listLength === 'number' ? [listLength] : listLength;
  if (lengths.reduce((a, b) => a * b, 1) > MAX_SHAPED_LIST) return (await tx.executeQuery<R>(compile(tx, build()) as CompiledQuery<R>)).rows;
  return runShaped<R>(tx, `${shape}(${lengths.join(',')})`, params, build);
}

/** `a, b, c`: columns named as identifiers, for a shaped statement's column list. */
export function columnList(columns: readonly string[]): RawBuilder<unknown> {
  return sql.join(columns.map((c) => sql.ref(c)));
}

/**
 * runShaped, and on PostgreSQL as a named prepared statement of the connection (`name` must name this one text;
 * pg refuses another text under a name it has seen). pg parses it on the connection's first use of the name and from
 * then on only binds and executes it; the server keeps its parse tree and, after a few executions, a generic plan.
 * For the long statements that run again and again with new values (the fraud guard's per chunk, a meeting card's
 * insert and delivery read per meeting): parsing, analysing and planning them each time was a fifth of the
 * guard's server work, and most of the server's work for a card. SQLite keeps its statements prepared by text anyway.
 */
export async function runPrepared<R>(tx: Tx, name: string, params: readonly unknown[], build: () => Compilable<R> | RawBuilder<R>): Promise<R[]> {
  if (!(tx.getExecutor().adapter instanceof PostgresAdapter)) return runShaped<R>(tx, name, params, build);
  const text = shapedText(tx, name, params, build);
  // Kysely hands the query's "SQL" to pg's Client.query as it is, and pg takes a query config object there too.
  const named = { name: `tollgate.${name}`, text } as unknown as string;
  return (await tx.executeQuery<R>(CompiledQuery.raw(named, [...params]))).rows;
}
