'use strict';
/**
 * Worker thread of reports/sqlite-pages.ts: reads an export's pages from a SQLite file on a connection of its own, so
 * the database's work (about a third of a large export's CPU) runs on another core than the CSV formatting. Plain
 * JavaScript: a worker does not get the main thread's TypeScript loader.
 *
 * workerData: { file, first, next, params: { tenantId, from, to }, pageSize, readAhead }. `first` and `next` are the
 * page statements (keyset paging, as legs-report.ts builds them); each row is [joined cells, start_at, id].
 * Posts { page: { text, rows, after, last } } per page (the page's joined rows joined again by the same separator),
 * then { done: true }; or { error: { message, code } }. At most `readAhead` pages are posted ahead of the main
 * thread's 'more' messages. All pages are read in one read transaction: one snapshot of the database.
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const SEPARATOR = '\x1f';
const { file, first, next, params, pageSize, readAhead } = workerData;

let db;
let firstPage;
let nextPage;
let credits = readAhead;
let after; // where the next page starts: undefined for the first
let finished = false;

function fail(err) {
  finished = true;
  parentPort.postMessage({ error: { message: String((err && err.message) || err), code: err && err.code } });
  close();
}

function close() {
  try {
    if (db && db.inTransaction) db.exec('COMMIT');
    if (db) db.close();
  } catch {
    // closing after an error: nothing more to say
  }
  db = undefined;
}

function pump() {
  try {
    while (credits > 0 && !finished) {
      const rows = after
        ? nextPage.all(params.tenantId, after.start, params.to, after.start, after.id, pageSize)
        : firstPage.all(params.tenantId, params.from, params.to, pageSize);
      if (rows.length > 0) {
        const joined = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) joined[i] = rows[i][0];
        const lastRow = rows[rows.length - 1];
        const last = { start: lastRow[1], id: lastRow[2] };
        parentPort.postMessage({ page: { text: joined.join(SEPARATOR), rows: rows.length, after, last } });
        credits -= 1;
        after = last;
      }
      if (rows.length < pageSize) {
        finished = true;
        close();
        parentPort.postMessage({ done: true });
      }
    }
  } catch (err) {
    fail(err);
  }
}

try {
  db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  firstPage = db.prepare(first).raw(true);
  nextPage = db.prepare(next).raw(true);
  db.exec('BEGIN');
} catch (err) {
  fail(err);
}

parentPort.on('message', (message) => {
  if (message === 'more' && !finished) {
    credits += 1;
    pump();
  }
});
if (!finished) pump();
