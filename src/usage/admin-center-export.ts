import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Rejection } from './intake';
import { checkHeader, graphRowOf, inExportTerms } from './admin-center-row';
import { readCsvRows, type CsvRow } from './admin-center-csv';
import { ExportZip } from './admin-center-zip';

/** Where a row of the export came from: its position among all the rows read, its CSV and the line it starts on. */
export interface RowOrigin {
  index: number;
  file: string;
  line: number;
}

export type LocatedRejection = Rejection & { file: string; line: number };

/** Graph-shaped records for Intake.validate, each with its origin, and the rows that could not become one. */
export interface ExportBatch {
  records: Record<string, unknown>[];
  /** Index of the batch's first row; records are validated from here, then located through `origins`. */
  offset: number;
  origins: RowOrigin[];
  rejected: LocatedRejection[];
}

/** The export cannot be read as a whole (a wrong header, not a zip, a damaged entry): nothing, or nothing more, is read. */
export class ExportFileError extends Error {}

interface CsvSource {
  /** The name reported with each row: the CSV's own name, or its name inside the zip. */
  name: string;
  open(): Promise<Readable>;
}

/**
 * Streams the rows of an admin center PSTN usage export, a zip of PSTN.calls.*.csv or one such CSV, as Graph rows in
 * batches of `batchSize` rows. Every CSV's header (and every zipped CSV's CRC) is checked before the first row is
 * read, so a wrong one writes nothing. A malformed row is rejected with its file and line and the reading goes on.
 */
export async function* readAdminCenterExport(file: string, kind: 'zip' | 'csv', batchSize: number): AsyncGenerator<ExportBatch> {
  const zip = kind === 'zip' ? await openZip(file) : undefined;
  try {
    const sources: CsvSource[] = zip
      ? zip.callFiles.map((entry) => ({ name: entry.fileName, open: () => zip.openStream(entry) }))
      : [{ name: path.basename(file), open: async () => fs.createReadStream(file) }];
    if (zip && sources.length === 0) {
      const found = zip.otherFiles.length > 0 ? `it holds ${zip.otherFiles.slice(0, 5).join(', ')}${zip.otherFiles.length > 5 ? ', …' : ''}` : 'it is empty';
      throw new ExportFileError(`${file} has no PSTN.calls.*.csv inside (${found}): is it the admin center's PSTN usage export?`);
    }
    const where = (source: CsvSource) => (zip ? `${file} (${source.name})` : file);
    // Every CSV's header, and every zipped one's integrity, is checked before the first row is imported: a wrong
    // header or a damaged entry writes nothing. Inflating twice costs far less than the import itself.
    const positions: number[][] = [];
    for (const source of sources) positions.push(await headerOf(source, where(source)));
    if (zip) {
      for (const [s, entry] of zip.callFiles.entries()) {
        await zip.verify(entry).catch((err: Error) => {
          throw new ExportFileError(`${where(sources[s]!)}: ${err.message}`);
        });
      }
    }

    let batch = emptyBatch(0);
    let index = 0;
    for (const [s, source] of sources.entries()) {
      let header = true;
      try {
        for await (const rows of readCsvRows(await source.open(), batchSize)) {
          for (const row of rows) {
            if (header) {
              header = false;
              continue;
            }
            if (addRow(batch, row, positions[s]!, source.name, index)) index += 1;
            if (batch.records.length + batch.rejected.length >= batchSize) {
              yield batch;
              batch = emptyBatch(index);
            }
          }
        }
      } catch (err) {
        // The rows before the fault are good: hand them over first.
        if (batch.records.length + batch.rejected.length > 0) yield batch;
        throw new ExportFileError(`${where(source)}: ${(err as Error).message}`);
      }
    }
    if (batch.records.length + batch.rejected.length > 0) yield batch;
  } finally {
    zip?.close();
  }
}

async function openZip(file: string): Promise<ExportZip> {
  try {
    return await ExportZip.open(file);
  } catch (err) {
    throw new ExportFileError(`${file} is not a readable zip: ${(err as Error).message}`);
  }
}

function emptyBatch(offset: number): ExportBatch {
  return { records: [], offset, origins: [], rejected: [] };
}

/** Adds one data row to the batch, as a record or a rejection; false for a row with no data at all (skipped). */
function addRow(batch: ExportBatch, row: CsvRow, positions: number[], file: string, index: number): boolean {
  if ('error' in row) {
    batch.rejected.push({ id: null, index, reason: 'malformed_record', message: row.error, file, line: row.line });
    return true;
  }
  // Spreadsheets leave rows of bare commas behind: no data, no row.
  if (row.fields.every((f) => f.trim() === '')) return false;
  if (row.fields.length !== positions.length) {
    batch.rejected.push({
      id: null,
      index,
      reason: 'malformed_record',
      message: `${row.fields.length} fields where the header has ${positions.length} (a comma in a value needs quotes)`,
      file,
      line: row.line,
    });
    return true;
  }
  const mapped = graphRowOf(row.fields, positions);
  if (!mapped.ok) {
    batch.rejected.push({ id: mapped.id, index, reason: 'malformed_record', message: mapped.message, file, line: row.line });
    return true;
  }
  batch.records.push(mapped.row);
  batch.origins.push({ index, file, line: row.line });
  return true;
}

/** The column positions of one CSV, from its header record; anything else is an ExportFileError. */
async function headerOf(source: CsvSource, where: string): Promise<number[]> {
  let first: CsvRow | undefined;
  try {
    // Leaving the loop closes the stream: only the header is read here.
    for await (const rows of readCsvRows(await source.open(), 1)) {
      first = rows[0];
      break;
    }
  } catch (err) {
    throw new ExportFileError(`${where}: ${(err as Error).message}`);
  }
  if (!first) throw new ExportFileError(`${where} is empty: an export starts with the header UsageId,Call ID,…`);
  if ('error' in first) throw new ExportFileError(`${where}, line ${first.line} (the header): ${first.error}`);
  const checked = checkHeader(first.fields);
  if (!checked.ok) throw new ExportFileError(`${where}, line ${first.line}: ${checked.message}`);
  return checked.positions;
}

/**
 * Intake.validate's rejections of `batch.records` (validated from `batch.offset`), told where each row came from,
 * in the CSV's own column names.
 */
export function locateRejections(batch: Pick<ExportBatch, 'offset' | 'origins'>, rejected: Rejection[]): LocatedRejection[] {
  return rejected.map((r) => {
    const origin = batch.origins[r.index - batch.offset]!;
    // A row without a UsageId has none to show ('' is what parseCallRecord saw).
    return { ...r, id: r.id || null, index: origin.index, message: inExportTerms(r.message), file: origin.file, line: origin.line };
  });
}
