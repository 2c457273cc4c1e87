import { pipeline, Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';

/** The call CSVs of an admin center export (`Calls.Export.*.zip`): every PSTN.calls.*.csv, in any folder. */
export const PSTN_CALLS_CSV = /(^|\/)PSTN\.calls\.[^/]*\.csv$/i;

/**
 * An admin center export zip, read with yauzl: from the central directory (the zip's own index, so entries written
 * with data descriptors are read right), each entry inflated as a stream. yauzl checks each entry's size; its CRC-32
 * is checked here (yauzl leaves that to its caller), so a damaged download is an error, not rows of garbage.
 */
export class ExportZip {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    /** The PSTN.calls CSVs, by name: the export names them by date, so this is also time order. */
    readonly callFiles: yauzl.Entry[],
    /** Every other file in the zip. */
    readonly otherFiles: string[],
  ) {}

  static async open(file: string): Promise<ExportZip> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z))),
    );
    try {
      const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
        const list: yauzl.Entry[] = [];
        zip.on('entry', (entry: yauzl.Entry) => {
          list.push(entry);
          zip.readEntry();
        });
        zip.once('end', () => resolve(list));
        zip.once('error', reject);
        zip.readEntry();
      });
      const files = entries.filter((e) => !e.fileName.endsWith('/'));
      const calls = files.filter((e) => PSTN_CALLS_CSV.test(e.fileName)).sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
      return new ExportZip(zip, calls, files.filter((e) => !PSTN_CALLS_CSV.test(e.fileName)).map((e) => e.fileName));
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  openStream(entry: yauzl.Entry): Promise<Readable> {
    if (entry.isEncrypted()) return Promise.reject(new Error('the file is encrypted'));
    return new Promise((resolve, reject) =>
      this.zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        // pipeline, not pipe: an inflate or size error of the entry reaches the reader, and closing early closes both.
        const checked = crcCheck(entry.crc32);
        resolve(pipeline(stream, checked, () => undefined));
      }),
    );
  }

  /** Reads an entry through to its end, for its CRC and size checks: a damaged entry fails here, before any import. */
  async verify(entry: yauzl.Entry): Promise<void> {
    await finished((await this.openStream(entry)).resume());
  }

  close(): void {
    this.zip.close();
  }
}

/** Passes the bytes through and fails at the end when their CRC-32 is not the one the zip recorded. */
function crcCheck(expected: number): Transform {
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = zlib.crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      done(crc >>> 0 === expected >>> 0 ? null : new Error('the file is damaged: its CRC-32 does not match the one the zip recorded'));
    },
  });
}
