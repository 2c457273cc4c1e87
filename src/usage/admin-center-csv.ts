import { StringDecoder } from 'node:string_decoder';
import { parse as parseCsv } from 'csv-parse/sync';

/** A CSV record and the line it starts on, or why it is not one. */
export type CsvRow = { line: number; fields: string[] } | { line: number; error: string };

/** A syntax fault that leaves no way to find where the next record starts. */
export class CsvSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

/** A row of the export is well under 2 KB; a record this long is a quoted field that never closes. */
const MAX_RECORD_CHARS = 1 << 20;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;

interface Framed {
  line: number;
  text: string;
  unclosed?: boolean;
}

/**
 * Cuts RFC 4180 text into records before csv-parse reads their fields, so a malformed record costs that record only:
 * a streaming parser that meets a bad quote cannot say where the next record starts, and loses the good rows after
 * it (csv-parse's skip_records_with_error does). A quote opens a quoted field only at the start of a field (or
 * right after a closing quote: a doubled ""), so a stray quote inside a field cannot swallow the lines that follow;
 * csv-parse still refuses that record. Tracks the line each record starts on, counting the line breaks inside quoted
 * fields, CRLF or LF.
 */
class RecordFramer {
  private pending = '';
  private line = 1;
  private startLine = 1;
  private inQuotes = false;
  private fieldStart = true;
  private justClosed = false;

  push(chunk: string, out: Framed[]): void {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inQuotes) {
        if (c === QUOTE) {
          this.inQuotes = false;
          this.justClosed = true;
        } else if (c === LF) this.line += 1;
        continue;
      }
      if (c === LF) {
        this.emit(this.pending + chunk.slice(from, i), false, out);
        this.pending = '';
        from = i + 1;
        this.line += 1;
        this.startLine = this.line;
        this.fieldStart = true;
      } else if (c === QUOTE) {
        if (this.fieldStart || this.justClosed) this.inQuotes = true;
        this.fieldStart = false;
      } else {
        this.fieldStart = c === COMMA;
      }
      this.justClosed = false;
    }
    this.pending += chunk.slice(from);
    if (this.pending.length > MAX_RECORD_CHARS) {
      throw new CsvSyntaxError(this.startLine, 'the record runs on for more than 1 MB: a quoted field is never closed');
    }
  }

  end(out: Framed[]): void {
    this.emit(this.pending, this.inQuotes, out);
    this.pending = '';
  }

  private emit(text: string, unclosed: boolean, out: Framed[]): void {
    const record = text.endsWith('\r') ? text.slice(0, -1) : text;
    // Blank lines are no records (csv-parse's skip_empty_lines).
    if (record.trim() === '') return;
    out.push(unclosed ? { line: this.startLine, text: record, unclosed } : { line: this.startLine, text: record });
  }
}

const FIELD_OPTIONS = { relax_column_count: true, record_delimiter: '\n' } as const;

/**
 * The fields of framed records. The whole chunk is parsed in one call (the fast path); when that fails, record by
 * record, so each bad one gets its own reason and the rest their fields.
 */
function fieldsOf(framed: Framed[]): CsvRow[] {
  if (!framed.some((f) => f.unclosed)) {
    try {
      const rows = parseCsv(framed.map((f) => f.text).join('\n'), FIELD_OPTIONS) as string[][];
      if (rows.length === framed.length) return rows.map((fields, i) => ({ line: framed[i]!.line, fields }));
    } catch {
      // one of them is malformed: the loop below finds which
    }
  }
  return framed.map((f): CsvRow => {
    if (f.unclosed) return { line: f.line, error: 'a quoted field is never closed (the file ends inside it)' };
    try {
      const rows = parseCsv(f.text, FIELD_OPTIONS) as string[][];
      if (rows.length === 1) return { line: f.line, fields: rows[0]! };
      return { line: f.line, error: 'not one CSV record' };
    } catch (err) {
      return { line: f.line, error: syntaxReason(err as Error & { code?: string }) };
    }
  });
}

function syntaxReason(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted field must be followed by a comma or the end of the line';
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      return 'a quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    default:
      return `not valid CSV: ${err.message}`;
  }
}

/**
 * Streams the records of one CSV (UTF-8, BOM or not), at most `chunkRows` at a time, each with the line it starts on.
 * The header is the first record, like any other. A malformed record is a row with an error and the reading goes on;
 * only a quoted field that never closes in 1 MB stops it (CsvSyntaxError), after the records before it.
 */
export async function* readCsvRows(input: AsyncIterable<Buffer | string>, chunkRows: number): AsyncGenerator<CsvRow[]> {
  const decoder = new StringDecoder('utf8');
  const framer = new RecordFramer();
  const framed: Framed[] = [];
  let started = false;
  const push = (text: string) => {
    if (!started && text.length > 0) {
      started = true;
      text = text.replace(/^\uFEFF/, '');
    }
    framer.push(text, framed);
  };
  let fault: unknown;
  try {
    for await (const chunk of input) {
      push(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      while (framed.length >= chunkRows) yield fieldsOf(framed.splice(0, chunkRows));
    }
    push(decoder.end());
    framer.end(framed);
  } catch (err) {
    fault = err;
  }
  while (framed.length > 0) yield fieldsOf(framed.splice(0, chunkRows));
  if (fault !== undefined) throw fault;
}
