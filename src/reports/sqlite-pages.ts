import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Where a page starts: the range's start (undefined), or after the last leg of the page before. */
export type PageStart = { start: string; id: string } | undefined;

/**
 * One page of an export as read: its rows' cells joined by a separator (each row's, then the rows'), how many rows,
 * where it started and its last leg (start_at and id).
 */
export interface JoinedPage {
  text: string;
  rows: number;
  after: PageStart;
  last: { start: string; id: string };
}

export interface SqlitePagesRequest {
  /** The SQLite file. */
  file: string;
  /** The first page's statement (tenant, from, to, page size) and the next pages' (tenant, after.start, to, after.start, after.id, page size). */
  first: string;
  next: string;
  params: { tenantId: string; from: string; to: string };
  pageSize: number;
}

/** Pages read ahead of the consumer: memory stays flat (a page of a thousand legs is about 400 kB). */
const READ_AHEAD = 2;

const WORKER_FILE = path.join(__dirname, 'sqlite-page-reader.cjs');

/**
 * An export's pages read by a worker thread on a connection of its own (sqlite-page-reader.cjs), in one read
 * transaction: SQLite's share of the work (a third of a million legs' export) runs on another core than the caller's
 * formatting, and a server's event loop does not wait for it. The worker reads at most READ_AHEAD pages ahead; it is
 * stopped when the consumer stops early or the reading fails (its error thrown here, with SQLite's code).
 */
export async function* sqlitePagesInWorker(request: SqlitePagesRequest): AsyncGenerator<JoinedPage> {
  const worker = new Worker(WORKER_FILE, { workerData: { ...request, readAhead: READ_AHEAD }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  const arrived: (JoinedPage | Error | 'done')[] = [];
  let wake: (() => void) | undefined;
  const push = (item: JoinedPage | Error | 'done') => {
    arrived.push(item);
    wake?.();
  };
  let finished = false;
  worker.on('message', (m: { page?: JoinedPage; done?: true; error?: { message: string; code?: string } }) => {
    if (m.page) push(m.page);
    else if (m.done) push('done');
    else if (m.error) push(Object.assign(new Error(m.error.message), { code: m.error.code }));
  });
  worker.on('error', (err) => push(err));
  worker.on('exit', (code) => {
    if (!finished) push(new Error(`the export's reader stopped (exit code ${code})`));
  });
  try {
    for (;;) {
      while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const item = arrived.shift()!;
      if (item === 'done') return;
      if (item instanceof Error) throw item;
      yield item;
      worker.postMessage('more');
    }
  } finally {
    finished = true;
    await worker.terminate();
  }
}
