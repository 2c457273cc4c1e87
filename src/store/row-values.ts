/**
 * A function that lists a row's values in `columns`' order, for statements bound by position (the SQLite writes
 * that run once per row, PostgreSQL's COPY text).
 *
 * Why not `row[columns[i]]` in a loop: that one property access sees every column name, so V8 gives up on caching
 * it (a megamorphic keyed load, a hash look-up per value). The intake reads some 35 values from each of tens of
 * thousands of rows per second, and that loop alone took ~0.5 µs per value. The function made here reads each
 * column at a property access of its own (`row["id"]`), which V8 caches for the rows' one shape: about 25 times
 * faster measured on leg rows. The names are our own column names, quoted with JSON.stringify, never input.
 *
 * Kept per column list; the lists are the few fixed row shapes of the schema.
 */
export type RowValues = (row: object) => unknown[];

const made = new Map<string, RowValues>();

export function rowValues(columns: readonly string[]): RowValues {
  const key = columns.join('\u0000');
  let values = made.get(key);
  if (!values) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: generated once per column list
    if (made.size >= 1000) made.clear(); // never reached by the schema's shapes; a bound all the same
    values = new Function('row', `return [${columns.map((c) => `row[${JSON.stringify(c)}]`).join(', ')}];`) as RowValues;
    made.set(key, values);
  }
  return values;
}
