'use strict';
/**
 * Worker thread of store/sqlite-checkpointer.ts: checkpoints a SQLite file's write-ahead log on a connection of its
 * own, so that copying a commit's pages into the database file (and syncing it) runs on another core than the
 * commits. Plain JavaScript: a worker does not get the main thread's TypeScript loader.
 *
 * workerData: { file }. Messages in: 'committed' (a transaction was committed: checkpoint soon; several arriving
 * during one checkpoint make one more), 'close'. Messages out: { ready: true } once the file is open, then
 * { checkpoint: { busy, log, checkpointed } } after each checkpoint (SQLite's three figures), or
 * { error: { message, code } } (the thread then stops; the main thread checkpoints in its commits again).
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

let db;
let scheduled = false;

function fail(err) {
  parentPort.postMessage({ error: { message: String((err && err.message) || err), code: err && err.code } });
  close();
}

function close() {
  try {
    if (db) db.close();
  } catch {
    // closing after an error: nothing more to say
  }
  db = undefined;
  parentPort.close();
}

function checkpoint() {
  scheduled = false;
  if (!db) return;
  try {
    // PASSIVE: copies what no reader still needs and waits for nobody; the writer goes on meanwhile, and restarts
    // the log from its beginning at its next commit when everything has been copied.
    const t0 = performance.now();
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    row.ms = performance.now() - t0;
    parentPort.postMessage({ checkpoint: row });
  } catch (err) {
    fail(err);
  }
}

try {
  db = new Database(workerData.file, { fileMustExist: true });
  // FULL: the database file is synced after each checkpoint, before the log can be restarted over the copied pages.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 1000');
  parentPort.postMessage({ ready: true });
} catch (err) {
  fail(err);
}

parentPort.on('message', (m) => {
  if (m === 'close') close();
  else if (m === 'committed' && !scheduled && db) {
    scheduled = true;
    setImmediate(checkpoint);
  }
});
