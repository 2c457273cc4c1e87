import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { csvField } from '../../src/reports/legs-report';

/**
 * The export's own quoting writes what csv-stringify writes with CRLF records when told to quote any CR or LF too
 * (by default it quotes a CRLF only, and a lone LF in a name split the row for Excel and csv-parse).
 */
const STRINGIFY = { record_delimiter: 'windows', quoted_match: /[\r\n]/ } as const;

describe('csvField: RFC 4180 as csv-stringify writes it', () => {
  const line = (cells: string[]) => `${cells.map(csvField).join(',')}\r\n`;

  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['two\r\nlines', '"two\r\nlines"'],
    // A lone LF or CR is quoted too: unquoted, it ends the row for Excel and csv-parse.
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [' spaced ', ' spaced '],
    ["'=1+1", "'=1+1"],
    ['=1+1', '=1+1'],
    ['tab\there', 'tab\there'],
    ['ünïcødé, 東京', '"ünïcødé, 東京"'],
  ])('%j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
    expect(line([value, 'x'])).toBe(stringify([[value, 'x']], STRINGIFY));
  });

  const cell = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', '\r\n', ' ', 'é', '\x1f') }));

  it('agrees with csv-stringify on any row', () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        expect(line(cells)).toBe(stringify([cells], STRINGIFY));
      }),
      { numRuns: 3000 },
    );
  });

  it('csv-parse reads the cells back, line breaks of any kind included', () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 2, maxLength: 6 }), (cells) => {
        expect(parse(line(cells), { record_delimiter: '\r\n' })).toEqual([cells]);
      }),
      { numRuns: 2000 },
    );
  });
});
