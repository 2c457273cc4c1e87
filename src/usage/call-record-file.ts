import fs from 'node:fs';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';

/**
 * Streams the records of a Graph JSON file, a page `{ "value": [...] }` or a plain array, in batches, so a file of
 * a million rows never sits in memory whole. Yields the batch and the index of its first record.
 */
export async function* readCallRecordBatches(file: string, batchSize: number): AsyncGenerator<{ records: unknown[]; offset: number }> {
  const shape = await firstSignificantChar(file);
  if (shape !== '[' && shape !== '{') throw new FileShapeError(`${file} is not a Graph page { "value": [...] } or a JSON array`);
  const steps: unknown[] = [fs.createReadStream(file), parser()];
  if (shape === '{') steps.push(pick({ filter: 'value' }));
  steps.push(streamArray());
  const pipeline = chain(steps as never);
  let batch: unknown[] = [];
  let offset = 0;
  try {
    for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
      batch.push(item.value);
      if (batch.length >= batchSize) {
        yield { records: batch, offset };
        offset += batch.length;
        batch = [];
      }
    }
  } catch (err) {
    throw new FileShapeError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (batch.length > 0) yield { records: batch, offset };
}

export class FileShapeError extends Error {}

async function firstSignificantChar(file: string): Promise<string | undefined> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    return text.trimStart()[0];
  } finally {
    await handle.close();
  }
}
