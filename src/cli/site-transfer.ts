import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { AwsTarget, ManageResult, OperatorError, invokeOperator, manage } from './operator-function';

/** What the operator function answers to `{"transfer": {"start": true}}`: a presigned POST for one transfer's keys. */
interface UploadArea {
  readonly id: string;
  readonly keyPrefix: string;
  readonly url: string;
  readonly fields: Record<string, string>;
  readonly maxBytes: number;
}

/** One file the CLI may download with a presigned GET URL. */
interface TransferFile {
  readonly name: string;
  readonly bytes: number;
  readonly url: string;
}

/** Where the CLI says what it is doing: one line at a time, on standard error. */
export type Report = (line: string) => void;

/** How often a long command or transfer says how far it got. */
export const PROGRESS_SECONDS = 15;
/** Files uploaded or downloaded at once. */
const PARALLEL_FILES = 4;
/** The runtime's names in a transfer (site_transfer.py). */
const DATABASE_KEY = 'database';
const MEDIA_DIRECTORY = 'media/';
const DUMP_NAME = 'database.dump';

export interface ImportOptions {
  /** A pg_dump in custom format, or a JSON fixture of dumpdata. */
  readonly database?: string;
  /** The site's MEDIA_ROOT: its files land under the same keys in the media bucket. */
  readonly media?: string;
  /** Replace a database that holds content (after downloading a dump of it to `backupTo`). */
  readonly replace: boolean;
  /** The directory the dump taken before a replacement goes to. */
  readonly backupTo: string;
}

/** Uploads a database file and media, then runs import_site; its result. */
export async function importSite(functionName: string, options: ImportOptions, target: AwsTarget, report: Report): Promise<ManageResult> {
  const mediaFiles = options.media === undefined ? [] : listFiles(options.media);
  const uploads = [
    ...(options.database === undefined ? [] : [{ file: options.database, key: DATABASE_KEY }]),
    ...mediaFiles.map((relative) => ({ file: path.join(options.media!, relative), key: MEDIA_DIRECTORY + relative.split(path.sep).join('/') })),
  ];
  if (options.replace && options.database !== undefined) {
    const backup = await backupDatabase(functionName, options.backupTo, target, report);
    report(`the database as it was is in ${backup}`);
  }
  const area: UploadArea = await transferRequest(functionName, { start: true }, target);
  const tooLarge = uploads.find((u) => fs.statSync(u.file).size > area.maxBytes);
  if (tooLarge) {
    throw new OperatorError(`${tooLarge.file} is larger than ${area.maxBytes} bytes, the most one file may be`);
  }
  const progress = new Progress('uploaded', uploads.length, uploads.reduce((n, u) => n + fs.statSync(u.file).size, 0), report);
  await inParallel(uploads, async (u) => {
    await upload(area, u.file, u.key);
    progress.done(fs.statSync(u.file).size);
  });
  progress.finish();
  return manage(functionName, ['import_site', area.id, ...(options.replace ? ['--replace'] : [])], target);
}

/** Runs export_site and downloads the dump and every media file into `directory`, which must be empty or new. */
export async function exportSite(functionName: string, directory: string, target: AwsTarget, report: Report): Promise<ManageResult> {
  if (fs.existsSync(directory) && fs.readdirSync(directory).length > 0) {
    throw new OperatorError(`${directory} is not empty: export writes into a new or empty directory`);
  }
  fs.mkdirSync(directory, { recursive: true });
  const area: UploadArea = await transferRequest(functionName, { start: true }, target);
  const result = await manage(functionName, ['export_site', area.id], target);
  if (result.exitCode !== 0) {
    return result;
  }
  const { files }: { files: TransferFile[] } = await transferRequest(functionName, { download: area.id }, target);
  await downloadAll(files, directory, report);
  let after: string | undefined;
  let count = 0;
  do {
    const page: { files: TransferFile[]; next: string | null } = await transferRequest(functionName, { media: true, after }, target);
    await downloadAll(page.files, path.join(directory, 'media'), report);
    count += page.files.length;
    after = page.next ?? undefined;
  } while (after !== undefined);
  report(`media: ${count} files in ${path.join(directory, 'media')}`);
  return result;
}

/** Dumps the database as it is and downloads the dump into `directory`; the downloaded file's path. */
async function backupDatabase(functionName: string, directory: string, target: AwsTarget, report: Report): Promise<string> {
  const area: UploadArea = await transferRequest(functionName, { start: true }, target);
  report('dumping the database as it is before replacing it');
  const result = await manage(functionName, ['export_site', area.id], target);
  if (result.exitCode !== 0) {
    throw new OperatorError(`the dump before the replacement failed, so nothing was replaced:\n${result.output}`);
  }
  const { files }: { files: TransferFile[] } = await transferRequest(functionName, { download: area.id }, target);
  const dump = files.find((f) => f.name === DUMP_NAME);
  if (!dump) {
    throw new OperatorError('the dump before the replacement is missing, so nothing was replaced');
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = path.join(directory, `before-import-${stamp}.dump`);
  fs.mkdirSync(directory, { recursive: true });
  await download(dump, file);
  return file;
}

async function transferRequest(functionName: string, request: object, target: AwsTarget): Promise<any> {
  const answer = await invokeOperator(functionName, { transfer: request }, target);
  if (answer?.error) {
    throw new OperatorError(`${functionName} refused the transfer: ${answer.error}`);
  }
  return answer;
}

async function upload(area: UploadArea, file: string, key: string): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(area.fields)) {
    form.append(name, value);
  }
  form.append('key', area.keyPrefix + key);
  // S3 reads the fields above the file only.
  form.append('file', await fs.openAsBlob(file), path.basename(file));
  const response = await fetch(area.url, { method: 'POST', body: form });
  if (!response.ok) {
    throw new OperatorError(`S3 refused the upload of ${file}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
}

async function downloadAll(files: TransferFile[], directory: string, report: Report): Promise<void> {
  const progress = new Progress('downloaded', files.length, files.reduce((n, f) => n + f.bytes, 0), report);
  await inParallel(files, async (f) => {
    await download(f, inside(directory, f.name));
    progress.done(f.bytes);
  });
  progress.finish();
}

async function download(file: TransferFile, destination: string): Promise<void> {
  const response = await fetch(file.url);
  if (!response.ok || !response.body) {
    throw new OperatorError(`S3 refused the download of ${file.name}: HTTP ${response.status}`);
  }
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  await pipeline(Readable.fromWeb(response.body as any), fs.createWriteStream(destination));
  const size = fs.statSync(destination).size;
  if (size !== file.bytes) {
    throw new OperatorError(`${file.name}: ${size} bytes arrived of ${file.bytes}`);
  }
}

/** `name` (an S3 key) as a path under `directory`; a key that would leave it is refused. */
function inside(directory: string, name: string): string {
  const destination = path.resolve(directory, ...name.split('/'));
  if (!destination.startsWith(path.resolve(directory) + path.sep)) {
    throw new OperatorError(`refusing to write ${name}: it is outside ${directory}`);
  }
  return destination;
}

/** Every file under `directory`, as paths relative to it. */
function listFiles(directory: string): string[] {
  return (fs.readdirSync(directory, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await work(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, items.length) }, worker));
}

/** Counts files and bytes, and says how far it got every PROGRESS_SECONDS and at the end. */
class Progress {
  private files = 0;
  private bytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly verb: string, private readonly totalFiles: number, private readonly totalBytes: number,
    private readonly report: Report) {
    this.timer = setInterval(() => this.say(), PROGRESS_SECONDS * 1000).unref();
  }

  public done(bytes: number): void {
    this.files += 1;
    this.bytes += bytes;
  }

  public finish(): void {
    clearInterval(this.timer);
    if (this.totalFiles > 0) {
      this.say();
    }
  }

  private say(): void {
    this.report(`${this.verb} ${this.files} of ${this.totalFiles} files, ${megabytes(this.bytes)} of ${megabytes(this.totalBytes)} MB`);
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
