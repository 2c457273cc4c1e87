// Preloaded (node -r) into a process under benchmark on PostgreSQL: counts the statements its pg clients send
// (each a round trip: a socket write, the server's work, an answer to parse) between two SIGUSR2, and on the second
// writes them to $STATEMENT_COUNTS_FILE as JSON: { statements, commits, bySql: [[sql, n]] }. commits counts COMMIT
// statements only (a statement outside a transaction commits too, but pg does not say which ran outside one).
const fs = require('node:fs');
const pg = require('pg');

const bySql = new Map();
let counting = false;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  if (counting) {
    const text = typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : '(other)';
    bySql.set(text, (bySql.get(text) ?? 0) + 1);
  }
  return original.call(this, config, ...rest);
};

process.on('SIGUSR2', () => {
  counting = !counting;
  if (counting) {
    bySql.clear();
    return;
  }
  const rows = [...bySql].map(([sql, n]) => [sql.replace(/\s+/g, ' ').slice(0, 160), n]).sort((a, b) => b[1] - a[1]);
  const statements = rows.reduce((sum, r) => sum + r[1], 0);
  const commits = rows.filter((r) => /^\s*commit\b/i.test(r[0])).reduce((sum, r) => sum + r[1], 0);
  fs.writeFileSync(process.env.STATEMENT_COUNTS_FILE, JSON.stringify({ statements, commits, bySql: rows }));
});
