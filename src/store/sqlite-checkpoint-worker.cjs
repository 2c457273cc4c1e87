'use strict';
/**
 * Worker thread of store/sqlite-checkpointer.ts: checkpoints a SQLite file's write-ahead log on a connection of its
 * own, so that copying committed pages into the database file (and syncing it) runs on another core than the
 * commits. Plain JavaScript: a worker does not get the main thread's TypeScript loader.
 *
 * workerData: { file, minPages }. Messages in: 'committed' (a transaction was committed), 'close'. After a commit the
 * thread checkpoints when the log holds at least `minPages` pages not yet copied, as SQLite's automatic checkpoint
 * does in the commit by default (a thousand): a commit of a few pages (a bot's turn) costs no checkpoint and no sync
 * of its own. The count is read from the wal-index header in the -shm file (https://www.sqlite.org/walformat.html:
 * mxFrame at byte 16 of each of the two 48-byte copies of the header, nBackfill at byte 96, native byte order); when
 * the two copies differ (being written) or the file cannot be read, it checkpoints. Commits arriving during a
 * checkpoint make one more look. Messages out: { ready: true } once the file is open, then
 * { checkpoint: { busy, log, checkpointed, ms } } after each checkpoint (SQLite's three figures and its time), or
 * { error: { message, code } } (the thread then stops; the main thread checkpoints in its commits again).
 */
const fs = require('node:fs');
const os = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const HEADER_BYTES = 136;
const header = Buffer.alloc(HEADER_BYTES);
const readU32 = os.endianness() === 'LE' ? (at) => header.readUInt32LE(at) : (at) => header.readUInt32BE(at);

let db;
let shm; // the -shm file's descriptor, opened at the first look
let scheduled = false;

/** Pages in the log not yet copied into the database file; undefined when the header cannot be read whole. */
function backlog() {
  try {
    if (shm === undefined) shm = fs.openSync(`${workerData.file}-shm`, 'r');
    if (fs.readSync(shm, header, 0, HEADER_BYTES, 0) < HEADER_BYTES) return undefined;
  } catch {
    return undefined;
  }
  if (header.compare(header, 0, 48, 48, 96) !== 0 || header[12] !== 1) return undefined;
  return Math.max(0, readU32(16) - readU32(96));
}

function fail(err) {
  parentPort.postMessage({ error: { message: String((err && err.message) || err), code: err && err.code } });
  close();
}

function close() {
  try {
    if (db) db.close();
    if (shm !== undefined) fs.closeSync(shm);
  } catch {
    // closing after an error: nothing more to say
  }
  db = undefined;
  shm = undefined;
  parentPort.close();
}

function checkpoint() {
  scheduled = false;
  if (!db) return;
  const pages = backlog();
  if (pages !== undefined && pages < workerData.minPages) return;
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
