import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * SQLite's own default: a commit that leaves the write-ahead log this many pages long checkpoints it. The thread
 * checkpoints at the same point: when this many pages are not yet copied.
 */
export const IN_COMMIT_CHECKPOINT_PAGES = 1000;
/**
 * While the checkpointer runs, a commit checkpoints by itself only past this many pages of log (64 MiB of 4 KiB
 * pages). The log restarts from its beginning only when a write transaction begins after a checkpoint has copied all
 * of it; under continuous intake the next chunk begins while the thread still copies the last one's pages (35 to 50
 * ms for a 2,000-leg chunk's 2,300 pages here), so the log grows by a chunk or so until this backstop's checkpoint in
 * a commit copies the little the thread has not, and the next transaction restarts it. At 4,000 pages the backstop
 * came every other chunk and took back half of the gain.
 */
export const BACKSTOP_CHECKPOINT_PAGES = 16_384;

const WORKER_FILE = path.join(__dirname, 'sqlite-checkpoint-worker.cjs');

export interface CheckpointFigures {
  /** 1 when a checkpoint could not take its lock (another was running). */
  busy: number;
  /** Pages in the log, and pages of it copied into the database file. */
  log: number;
  checkpointed: number;
  /** How long it took, in the thread. */
  ms: number;
}

export interface Checkpointer {
  /** Tells the thread a transaction was committed on `database`. */
  committed(): void;
  /**
   * Checkpoints done, and the last one's figures; 'stopped' once the thread has stopped (its error, if any). Updated
   * when this thread's event loop takes the worker's messages.
   */
  readonly status: { state: 'starting' | 'running' | 'stopped'; checkpoints: number; last?: CheckpointFigures; error?: string };
  /** Stops the thread (the connection's commits checkpoint by themselves again). */
  close(): Promise<void>;
}

/**
 * Checkpoints a SQLite file's write-ahead log in a worker thread on a connection of its own (sqlite-checkpoint-worker.cjs)
 * instead of in the commit that grows it past a thousand pages. A large commit (a chunk of intake writes about 2,300
 * pages) otherwise pays for copying every page into the database file and syncing it before it returns, on the one
 * thread that serves Tollgate's requests; the copy now runs on another core while the next transaction is built.
 * What is durable does not change: a commit is durable once its pages are synced in the log (synchronous=FULL), and a
 * checkpoint only moves them. The thread checkpoints PASSIVE (it never waits for readers or the writer) when a commit
 * leaves IN_COMMIT_CHECKPOINT_PAGES or more not yet copied, where SQLite would have in the commit: the small commits
 * of the bot's turns pile up to that as before, rather than each costing a sync of the database file. The log
 * restarts from its beginning at the first commit after everything in it was copied.
 *
 * `database`'s own automatic checkpoint moves to BACKSTOP_CHECKPOINT_PAGES at once, and back to SQLite's default when
 * the thread stops (closed, or failed: a file it cannot open, say). Neither waits for this thread's event loop to
 * take the worker's messages: a long run of intake never yields to it (better-sqlite3 answers in microtasks), while
 * what this thread posts reaches the worker at once.
 */
export function startCheckpointer(database: BetterSqlite3.Database, file: string): Checkpointer {
  const worker = new Worker(WORKER_FILE, { workerData: { file, minPages: IN_COMMIT_CHECKPOINT_PAGES }, resourceLimits: { maxYoungGenerationSizeMb: 2 } });
  worker.unref();
  const status: Checkpointer['status'] = { state: 'starting', checkpoints: 0 };
  const inCommit = () => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${IN_COMMIT_CHECKPOINT_PAGES}`);
  };
  const exited = new Promise<void>((resolve) => {
    worker.on('exit', () => {
      status.state = 'stopped';
      inCommit();
      resolve();
    });
  });
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  worker.on('message', (m: { ready?: true; checkpoint?: CheckpointFigures; error?: { message: string } }) => {
    if (m.ready) {
      if (status.state === 'starting') status.state = 'running';
    } else if (m.checkpoint) {
      status.checkpoints += 1;
      status.last = m.checkpoint;
    } else if (m.error) {
      status.error = m.error.message;
    }
  });
  worker.on('error', (err) => {
    status.error = err.message;
  });
  return {
    committed() {
      if (status.state !== 'stopped') worker.postMessage('committed');
    },
    status,
    async close() {
      if (status.state !== 'stopped') {
        worker.postMessage('close');
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
