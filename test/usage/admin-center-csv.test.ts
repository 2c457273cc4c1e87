import fs from 'node:fs';
import { Readable } from 'node:stream';
import { CsvSyntaxError, readCsvRows, type CsvRow } from '../../src/usage/admin-center-csv';
import { AWKWARD_CSV, MALFORMED_CSV } from '../fixtures/admin-center/export-fixtures';

async function rows(input: Iterable<Buffer | string> | AsyncIterable<Buffer | string>, chunkRows = 1000): Promise<{ rows: CsvRow[]; chunks: number }> {
  const out: CsvRow[] = [];
  let chunks = 0;
  for await (const chunk of readCsvRows(Readable.from(input, { objectMode: true }), chunkRows)) {
    out.push(...chunk);
    chunks += 1;
  }
  return { rows: out, chunks };
}

const lines = (rs: CsvRow[]) => rs.map((r) => r.line);

describe('reading the export CSV', () => {
  it('numbers each record by the line it starts on, counting line breaks inside quotes (CRLF or LF)', async () => {
    for (const eol of ['\r\n', '\n']) {
      const text = ['a,b', '1,2', '', '"x', 'y",3', '  ', '"p,q","r""s"', '5,6'].join(eol) + eol;
      const { rows: rs } = await rows([text]);
      expect(rs).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
        { line: 4, fields: [`x${eol}y`, '3'] },
        { line: 7, fields: ['p,q', 'r"s'] },
        { line: 8, fields: ['5', '6'] },
      ]);
    }
  });

  it('drops a UTF-8 BOM and reads a last line without a line break', async () => {
    expect((await rows(['\uFEFFa,b\r\n1,2'])).rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it('reads the same whatever the chunks (split inside a quote, a CRLF, a BOM or a multi-byte character)', async () => {
    const file = Buffer.concat([fs.readFileSync(AWKWARD_CSV), Buffer.from('zoë-1,"Zoë, Ünal",x\r\n', 'utf8')]);
    const whole = await rows([file]);
    const bytes = await rows(Array.from(file, (b) => Buffer.from([b])));
    expect(bytes.rows).toEqual(whole.rows);
    expect(whole.rows.at(-1)).toEqual({ line: 15, fields: ['zoë-1', 'Zoë, Ünal', 'x'] });
    expect(whole.rows.find((r) => 'fields' in r && r.fields[0] === 'ac-in-multiline')).toMatchObject({ line: 11, fields: expect.arrayContaining(['Sub\r\nScriber (Finance)']) });
    expect(whole.rows.every((r) => 'fields' in r)).toBe(true);
  });

  it('costs a malformed record that record only: the rows after it are read', async () => {
    const text = [
      'a,b,c',
      '1,"bad"x,3', // a quoted field followed by more text
      '2,O"Brien,3', // a quote inside an unquoted field: it opens nothing
      '3,ok,3',
      '4,"Jane ""JJ"" Doe",3',
      '5,"a ""quoted""\nline break",3',
      '6,ok,3',
    ].join('\n');
    const { rows: rs } = await rows([text]);
    expect(rs).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, error: 'a quoted field must be followed by a comma or the end of the line' },
      { line: 3, error: expect.stringMatching(/^a quote inside an unquoted field/) },
      { line: 4, fields: ['3', 'ok', '3'] },
      { line: 5, fields: ['4', 'Jane "JJ" Doe', '3'] },
      { line: 6, fields: ['5', 'a "quoted"\nline break', '3'] },
      { line: 8, fields: ['6', 'ok', '3'] },
    ]);
  });

  it('reports a quoted field the file ends inside at the line it opens', async () => {
    const { rows: rs } = await rows(['a,b\n1,2\n3,"never closed\n4,5\n']);
    expect(rs).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, error: 'a quoted field is never closed (the file ends inside it)' },
    ]);
  });

  it('gives up on a quoted field that runs past 1 MB, after handing over the rows before it', async () => {
    const good = 'a,b\n1,2\n';
    async function* input() {
      yield good + '3,"';
      for (let i = 0; i < 20; i++) yield 'x'.repeat(64 * 1024) + '\n';
    }
    const seen: CsvRow[] = [];
    let error: unknown;
    try {
      for await (const chunk of readCsvRows(input(), 1000)) seen.push(...chunk);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as Error).message).toBe('line 3: the record runs on for more than 1 MB: a quoted field is never closed');
  });

  it('hands rows over in chunks, the fast path and the record-by-record path agreeing', async () => {
    const text = fs.readFileSync(MALFORMED_CSV);
    const one = await rows([text], 1);
    const all = await rows([text], 1000);
    expect(one.rows).toEqual(all.rows);
    expect(one.chunks).toBe(14);
    expect(all.chunks).toBe(1);
    expect(lines(all.rows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(all.rows.filter((r) => 'error' in r)).toEqual([{ line: 8, error: 'a quoted field must be followed by a comma or the end of the line' }]);
  });
});
