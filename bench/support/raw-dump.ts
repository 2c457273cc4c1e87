import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

/**
 * The export's anchor: the least a process can do to write a month of legs as CSV. The driver alone iterates the
 * same rows in the same order (one statement, no paging) and writes every column joined with commas (no quoting,
 * no formatting, no directory look-ups), in 1,000-row writes. Run as its own process, like `tollgate export`:
 * `node -r tsx/cjs bench/support/raw-dump.ts <db file> <tenant> <from ISO> <to ISO> <out file>`.
 */
const [file, tenant, from, to, out] = process.argv.slice(2) as [string, string, string, string, string];
const db = new BetterSqlite3(file, { readonly: true });
const fd = fs.openSync(out, 'w');
const statement = db.prepare('SELECT * FROM legs WHERE tenant_id = ? AND start_at >= ? AND start_at < ? ORDER BY start_at, id');
let lines: string[] = [];
let n = 0;
for (const row of statement.iterate(tenant, from, to) as Iterable<Record<string, unknown>>) {
  lines.push(Object.values(row).map((v) => (v === null ? '' : String(v))).join(','));
  n += 1;
  if (lines.length === 1000) {
    fs.writeSync(fd, `${lines.join('\r\n')}\r\n`);
    lines = [];
  }
}
if (lines.length > 0) fs.writeSync(fd, `${lines.join('\r\n')}\r\n`);
fs.closeSync(fd);
db.close();
process.stdout.write(`${n} legs written to ${out}\n`);
