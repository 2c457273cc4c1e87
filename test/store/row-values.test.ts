import { rowValues } from '../../src/store/row-values';

describe('rowValues', () => {
  it("lists a row's values in the columns' order, not the row's", () => {
    const valuesOf = rowValues(['b', 'a', 'c']);
    expect(valuesOf({ a: 1, b: 'two', c: null })).toEqual(['two', 1, null]);
    expect(valuesOf({ c: 3, b: 2, a: 1 })).toEqual([2, 1, 3]);
  });

  it('gives undefined for a column the row lacks, and reads names that need quoting as names', () => {
    const odd = ['it"s', 'back\\slash', 'new\nline', '__proto__x'];
    const valuesOf = rowValues(odd);
    expect(valuesOf({ 'it"s': 1, 'back\\slash': 2, 'new\nline': 3 })).toEqual([1, 2, 3, undefined]);
  });

  it('makes one function per column list and a fresh array per row', () => {
    expect(rowValues(['x', 'y'])).toBe(rowValues(['x', 'y']));
    const valuesOf = rowValues(['x']);
    const first = valuesOf({ x: 1 });
    expect(valuesOf({ x: 2 })).not.toBe(first);
    expect(first).toEqual([1]);
  });
});
