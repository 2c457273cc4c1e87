import pg from 'pg';
import { CompiledQuery } from 'kysely';
import type { Tx } from './database';
import { rowValues } from './row-values';

/**
 * PostgreSQL's COPY … FROM STDIN (text format) for bulk inserts inside a Kysely transaction. COPY is the server's
 * cheapest way in: no statement to parse or plan, no parameters or JSON to decode per row (measured on the intake's
 * legs, 100,000 rows in transactions of 2,000: about half the server CPU time of json_populate_recordset, two thirds
 * of that of multi-row INSERTs). It is an ordinary statement of the transaction: the table's constraints, keys and
 * indexes apply, and an error rolls the transaction back.
 *
 * Kysely and pg's Query know nothing of COPY's sub-protocol, so the store's pool makes its clients from
 * CopyingClient, which runs a CopyIn handed to it as the one parameter of the COPY_IN marker statement.
 */

/** The "SQL" that tells CopyingClient its parameter is a CopyIn to run (never sent to the server). */
export const COPY_IN = '-- tollgate: COPY … FROM STDIN';

/** Bytes per CopyData message (the last of a call may be shorter): no large buffer or string is ever built. */
const MESSAGE_BYTES = 64 * 1024;

interface CopyResult {
  command: 'COPY';
  rowCount: number;
  rows: never[];
}

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * One COPY statement and its data, as a pg "submittable": pg's Client hands it the connection and routes the
 * server's answers to the handle* methods below (the same interface pg's own Query implements).
 */
export class CopyIn {
  /** pg's name for it: pg calls it on a connection error, and wraps it when a query timeout is configured. */
  private callback: ((err: Error | null, result?: CopyResult) => void) | undefined;
  private rowCount = 0;
  private sentBytes = 0;
  /** What stopped the data half-way (a value no column can hold): the caller gets it, not the server's CopyFail echo. */
  private dataError: Error | undefined;
  /** The server answered (done, or failed): it is out of COPY mode. */
  protected answered = false;

  /** `data` makes the rows' data and hands each message to `emit` as soon as it is full (copyData). */
  constructor(
    readonly text: string,
    private readonly data: (emit: (chunk: Buffer) => void) => void,
  ) {}

  /** Bytes of data sent so far (all of it once run() has settled). */
  get dataBytes(): number {
    return this.sentBytes;
  }

  /** Runs on `client`; resolves once the server has stored every row (in the transaction), rejects with its error. */
  run(client: pg.Client): Promise<CopyResult> {
    return new Promise((resolve, reject) => {
      this.callback = (err, result) => {
        this.callback = undefined; // answer once: an error is followed by ReadyForQuery
        if (err) reject(this.dataError ?? err);
        else resolve(result!);
      };
      client.query(this as unknown as pg.QueryConfig);
    });
  }

  /**
   * The statement, then the data message by message as it is made, and its end, without waiting for the server's
   * CopyInResponse: no round trip, and the server parses and stores the first rows while this process still makes
   * the rest (a socket write goes out at once when the socket can take it). The protocol allows it: the server reads
   * the data once it is in COPY mode, and if the statement fails before (or during) the copy, it drops whatever copy
   * data follows (PostgreSQL ignores CopyData, CopyDone and CopyFail outside COPY mode). A row that cannot be made
   * ends the copy with CopyFail, so the server rolls back what it had of it and stays in step with the client.
   */
  submit(connection: CopyConnection): void {
    connection.query(this.text);
    this.sendData(connection);
  }

  /** After the statement: the data and its end (a RowStream sends its rows as they come instead). */
  protected sendData(connection: CopyConnection): void {
    try {
      this.data((chunk) => this.sendChunk(connection, chunk));
    } catch (err) {
      this.failWith(connection, err);
      return;
    }
    connection.endCopyFrom();
  }

  protected sendChunk(connection: CopyConnection, chunk: Buffer): void {
    // Once the server has answered (an error ends COPY mode early), nothing more of this copy goes out: the
    // connection may already carry the next statement.
    if (this.answered) return;
    this.sentBytes += chunk.length;
    connection.sendCopyFromChunk(chunk);
  }

  protected failWith(connection: CopyConnection, err: unknown): void {
    this.dataError = err instanceof Error ? err : new Error(String(err));
    if (!this.answered) connection.sendCopyFail(this.dataError.message);
  }

  /** The server is in COPY mode: the data was sent with the statement. */
  handleCopyInResponse(): void {}

  handleCommandComplete(msg: { text?: string }): void {
    this.rowCount = Number(/^COPY (\d+)/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.answered = true;
    this.callback?.(null, { command: 'COPY', rowCount: this.rowCount, rows: [] });
  }

  handleError(err: Error): void {
    this.answered = true;
    this.callback?.(err);
  }

  // Not part of COPY FROM's answer; present because pg calls them on whatever query is active.
  handleCopyData(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

/** pg's Client, plus: the COPY_IN marker statement runs its CopyIn parameter. Everything else is pg's own. */
export class CopyingClient extends pg.Client {}
(CopyingClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function copyingQuery(
  this: pg.Client,
  ...args: unknown[]
): unknown {
  const values = args[1];
  if (args[0] === COPY_IN && Array.isArray(values) && values[0] instanceof CopyIn) return values[0].run(this);
  return (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
};

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** One value in COPY's text format: \N for NULL; backslash, tab, newline and carriage return escaped. */
function copyText(value: unknown, table: string, column: string): string {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value)
        ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
        : value;
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${table}.${column}: ${value} is not a number a column can hold`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return '\\N';
    case 'object':
      if (value === null) return '\\N';
      break;
  }
  // Dates, objects, arrays: pg would convert them its own way; the schema has none of them.
  throw new Error(`${table}.${column}: cannot copy a value of type ${Object.prototype.toString.call(value)}`);
}

/**
 * Rows in COPY's text format, in messages of about MESSAGE_BYTES, each handed to `emit` once full. Each row's line is
 * written into the message buffer as soon as it is made, so nothing but the buffers outlives a row: no long string of
 * a whole chunk (a large object V8 only frees in a full collection), no rope of thousands of pieces.
 */
export class CopyEncoder {
  private readonly width: number;
  private readonly valuesOf: (row: object) => unknown[];
  private buffer = Buffer.allocUnsafe(MESSAGE_BYTES);
  private used = 0;

  constructor(
    private readonly table: string,
    private readonly columns: readonly string[],
    private readonly emit: (chunk: Buffer) => void,
  ) {
    this.width = columns.length;
    this.valuesOf = rowValues(columns);
  }

  /** Adds a row's line; throws (writing nothing of it) when a value cannot be copied. */
  write(row: object): void {
    const values = this.valuesOf(row);
    const width = this.width;
    let line = '';
    for (let c = 0; c < width; c++) {
      line += copyText(values[c], this.table, this.columns[c]!);
      line += c === width - 1 ? '\n' : '\t';
    }
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: a line that might not fit starts the next message.
    if (this.used + line.length * 3 > this.buffer.length) {
      if (this.used > 0) this.emit(this.buffer.subarray(0, this.used));
      this.buffer = Buffer.allocUnsafe(Math.max(MESSAGE_BYTES, line.length * 3));
      this.used = 0;
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
  }

  /** Hands over the last message, however full. */
  flush(): void {
    if (this.used === 0) return;
    const last = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(MESSAGE_BYTES);
    this.used = 0;
    this.emit(last);
  }
}

/** The rows' data in COPY's text format (CopyEncoder), message by message. */
export function emitCopyData(table: string, columns: readonly string[], rows: readonly object[], emit: (chunk: Buffer) => void): void {
  const encoder = new CopyEncoder(table, columns, emit);
  for (let r = 0; r < rows.length; r++) encoder.write(rows[r]!);
  encoder.flush();
}

/** emitCopyData's messages, collected. */
export function copyData(table: string, columns: readonly string[], rows: readonly object[]): Buffer[] {
  const chunks: Buffer[] = [];
  emitCopyData(table, columns, rows, (chunk) => chunks.push(chunk));
  return chunks;
}

/**
 * Inserts `rows` (every row with the first row's columns) into `table` with one COPY, inside `tx`. The store's pool
 * must make CopyingClients (openStore's does).
 */
export async function copyRows(tx: Tx, table: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const copy = new CopyIn(`COPY ${quoted(table)} (${columns.map(quoted).join(', ')}) FROM STDIN`, (emit) =>
    emitCopyData(table, columns, rows, emit),
  );
  await tx.executeQuery(CompiledQuery.raw(COPY_IN, [copy]));
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A COPY into `table` whose rows are made while it runs: the statement goes out as soon as the connection takes it,
 * and each full message of rows as soon as it is made (add), so the server stores the first rows while this process
 * still makes the rest (intake rates a chunk's legs into one: the server's COPY, its largest statement, no longer
 * waits for the whole chunk to be rated). Rows added before the connection takes the statement wait in memory.
 *
 * Whoever opens one must end() or fail() it, whatever happens: until then the connection stays in COPY mode and
 * every later statement of the transaction waits behind it.
 */
export class RowStream extends CopyIn {
  private readonly encoder: CopyEncoder;
  private connection: CopyConnection | undefined;
  private readonly waiting: Buffer[] = [];
  private state: 'open' | 'ended' | 'failed' = 'open';
  private failure: unknown;
  private markSubmitted!: () => void;
  /** Resolves once the connection took the statement: from then on add() sends as it goes. */
  readonly submitted = new Promise<void>((resolve) => (this.markSubmitted = resolve));

  constructor(table: string, columns: readonly string[]) {
    // No data function: sendData below sends the rows as add() makes them.
    super(`COPY ${quoted(table)} (${columns.map(quoted).join(', ')}) FROM STDIN`, () => undefined);
    this.encoder = new CopyEncoder(table, columns, (chunk) => {
      if (this.connection) this.sendChunk(this.connection, chunk);
      else this.waiting.push(chunk);
    });
  }

  /** Adds a row; throws when one of its values cannot be copied (then fail() the stream). */
  add(row: object): void {
    if (this.state !== 'open') throw new Error(`RowStream.add after ${this.state === 'ended' ? 'end' : 'fail'}()`);
    this.encoder.write(row);
  }

  /** No more rows: the last message and the copy's end go out. */
  end(): void {
    if (this.state !== 'open') return;
    this.encoder.flush();
    this.state = 'ended';
    if (this.connection && !this.answered) this.connection.endCopyFrom();
  }

  /** Abandons the copy: the server rolls back what it stored of it, and the statement fails with `err`. */
  fail(err: unknown): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.failure = err;
    this.waiting.length = 0;
    if (this.connection) this.failWith(this.connection, err);
  }

  protected override sendData(connection: CopyConnection): void {
    this.connection = connection;
    this.markSubmitted();
    if (this.state === 'failed') return this.failWith(connection, this.failure);
    for (const chunk of this.waiting.splice(0)) this.sendChunk(connection, chunk);
    if (this.state === 'ended') connection.endCopyFrom();
  }

  /** Runs the statement inside `tx` (as copyRows does); settles once the server has stored the rows, or refused them. */
  async execute(tx: Tx): Promise<void> {
    try {
      await tx.executeQuery(CompiledQuery.raw(COPY_IN, [this]));
    } finally {
      // The statement never reached the connection (the transaction's connection was gone): nothing to wait for.
      this.markSubmitted();
    }
  }
}
