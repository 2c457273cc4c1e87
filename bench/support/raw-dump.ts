import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

/**
 * The export's anchor: the least a process can do to write a month of legs as CSV. The driver alone iterates the
 * same rows in the same order (one statement, no paging) in raw mode (an array per row, no object) and writes every
 * column joined with commas (no quoting, no formatting, no directory look-ups) in writes of about 1 MB. Run as its
 * own process, like `tollgate export`:
 * `node -r tsx/cjs bench/support/raw-dump.ts <db file> <tenant> <from ISO> <to ISO> <out file>`.
 */
const [file, tenant, from, to, out] = process.argv.slice(2) as [string, string, string, string, string];
const db = new BetterSqlite3(file, { readonly: true });
const fd = fs.openSync(out, 'w');
const statement = db.prepare('SELECT * FROM legs WHERE tenant_id = ? AND start_at >= ? AND start_at < ? ORDER BY start_at, id').raw(true);
let chunk = '';
let n = 0;
for (const row of statement.iterate(tenant, from, to) as Iterable<unknown[]>) {
  let line = '';
  for (let i = 0; i < row.length; i++) line += i === 0 ? `${row[i] ?? ''}` : `,${row[i] ?? ''}`;
  chunk += `${line}\r\n`;
  n += 1;
  if (chunk.length >= 1_000_000) {
    fs.writeSync(fd, chunk);
    chunk = '';
  }
}
if (chunk.length > 0) fs.writeSync(fd, chunk);
fs.closeSync(fd);
db.close();
process.stdout.write(`${n} legs written to ${out}\n`);
