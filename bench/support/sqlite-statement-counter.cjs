// Preloaded (node -r) into a process under benchmark: counts its better-sqlite3 statements and commits (COMMIT, and
// writes outside a transaction, each its own commit with an fsync under synchronous=FULL) between two SIGUSR2, and
// on the second writes them to $STATEMENT_COUNTS_FILE as JSON: { statements, commits, sqliteMs, bySql: [[sql, n, ms]] }.
// sqliteMs is the wall time inside SQLite, the event loop blocked (the commits' fsyncs included).
const fs = require('node:fs');
const Database = require('better-sqlite3');

const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
const bySql = new Map();
let counting = false;
let commits = 0;
let sqliteMs = 0;
for (const method of ['run', 'all', 'get', 'iterate']) {
  const original = proto[method];
  proto[method] = function (...args) {
    if (!counting) return original.apply(this, args);
    const source = this.source;
    if (/^\s*COMMIT\b/i.test(source) || (!this.reader && !this.database.inTransaction && !/^\s*(BEGIN|ROLLBACK)\b/i.test(source))) commits += 1;
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const ms = performance.now() - started;
      sqliteMs += ms;
      const entry = bySql.get(source) ?? [0, 0];
      entry[0] += 1;
      entry[1] += ms;
      bySql.set(source, entry);
    }
  };
}

process.on('SIGUSR2', () => {
  counting = !counting;
  if (counting) {
    bySql.clear();
    commits = 0;
    sqliteMs = 0;
    return;
  }
  const rows = [...bySql].map(([sql, [n, ms]]) => [sql.replace(/\s+/g, ' ').slice(0, 120), n, Math.round(ms)]).sort((a, b) => b[1] - a[1]);
  const statements = rows.reduce((sum, r) => sum + r[1], 0);
  fs.writeFileSync(process.env.STATEMENT_COUNTS_FILE, JSON.stringify({ statements, commits, sqliteMs: Math.round(sqliteMs), bySql: rows }));
});
