import { CompiledQuery, type Compilable } from 'kysely';
import type { Tx } from './database';

/** SQL text per handle (the database, or a transaction) and shape: what Kysely compiled the first time. */
const shapedText = new WeakMap<Tx, Map<string, string>>();

/**
 * Runs the query `build` makes, compiled by Kysely once per handle and `shape`, and afterwards only its parameters
 * bound again: for queries that run on most bot turns, where building and compiling them costs more CPU than SQLite
 * running them. Every query of one shape must compile to the same text (the shape names whatever changes the text:
 * the number of ranges, the columns), and `params` must be what `build` binds, in order; the first compile checks
 * both counts and values, and throws if they differ. The handle is part of the key, so each engine gets its own
 * text (its own placeholders); a transaction compiles its own the first time.
 */
export async function runShaped<R>(tx: Tx, shape: string, params: readonly unknown[], build: () => Compilable<unknown>): Promise<R[]> {
  let texts = shapedText.get(tx);
  if (!texts) shapedText.set(tx, (texts = new Map()));
  let text = texts.get(shape);
  if (text === undefined) {
    const compiled = build().compile();
    if (compiled.parameters.length !== params.length || compiled.parameters.some((p, i) => p !== params[i])) {
      throw new Error(`runShaped: the ${shape} query binds other parameters than it was given`);
    }
    text = compiled.sql;
    texts.set(shape, text);
  }
  return (await tx.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows;
}
