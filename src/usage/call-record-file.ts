import fs from 'node:fs';
import path from 'node:path';
import { chain } from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { ExportFileError, locateRejections, readAdminCenterExport, type RowOrigin } from './admin-center-export';
import type { Rejection } from './intake';

/** What `tollgate calls import` reads: Graph JSON, or the Teams admin center's PSTN usage export (a zip, or one CSV). */
export type CallRecordFileKind = 'json' | 'zip' | 'csv';

/** A batch of Graph-shaped records for Intake.validate (indexes from `offset`), whatever the file was. */
export interface CallRecordBatch {
  records: unknown[];
  offset: number;
  /** Admin center rows: where each record came from (CSV and line), in the order of `records`. */
  origins?: RowOrigin[];
  /** Admin center rows that could not become a record at all, already located. */
  rejected?: Rejection[];
}

/**
 * Streams any call record file in batches: the kind is told from the content (a zip's signature, JSON's opening
 * bracket, the export's header), the extension only breaks a tie.
 */
export async function* readCallRecordFile(file: string, batchSize: number): AsyncGenerator<CallRecordBatch> {
  const kind = await callRecordFileKind(file);
  if (kind === 'json') {
    yield* readCallRecordBatches(file, batchSize);
    return;
  }
  try {
    yield* readAdminCenterExport(file, kind, batchSize);
  } catch (err) {
    if (err instanceof ExportFileError) throw new FileShapeError(err.message);
    throw err;
  }
}

/** Intake.validate's rejections of a batch's records, located (file and line) when the batch came from an export. */
export function locateBatchRejections(batch: CallRecordBatch, rejected: Rejection[]): Rejection[] {
  return batch.origins ? locateRejections({ offset: batch.offset, origins: batch.origins }, rejected) : rejected;
}

export async function callRecordFileKind(file: string): Promise<CallRecordFileKind> {
  const head = await firstBytes(file);
  const extension = path.extname(file).toLowerCase();
  // PK\x03\x04 starts a zip's first entry; PK\x05\x06 is the end record of an empty one.
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && head[3] === head[2] + 1) return 'zip';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') return 'json';
  if (/^[^\r\n]*usage\s*id/i.test(text.trimStart())) return 'csv';
  if (extension === '.csv') return 'csv';
  if (extension === '.zip') throw new FileShapeError(`${file} is not a zip file`);
  throw new FileShapeError(
    `${file} is not a Graph page { "value": [...] } or a JSON array, nor the Teams admin center's PSTN usage export (Calls.Export.*.zip or PSTN.calls.*.csv)`,
  );
}

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
  const text = (await firstBytes(file)).toString('utf8').replace(/^\uFEFF/, '');
  return text.trimStart()[0];
}

async function firstBytes(file: string): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
