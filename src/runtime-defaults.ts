import * as fs from 'fs';
import * as path from 'path';

/** The directory of the bundled Wagtail site, shipped inside this package. */
export const BUNDLED_APP_DIRECTORY = path.join(__dirname, '..', 'app');

/** The runtime defaults file of the runtime package, shipped inside this package. */
const DEFAULTS_FILE = path.join(__dirname, '..', 'runtime', 'src', 'wagtail_scale_to_zero_runtime', 'defaults.json');

/**
 * The app's runtime numbers, keyed by the environment variable that carries each one to the container. The runtime
 * package's `defaults.json` is their one source: the container falls back to the same file.
 */
export interface RuntimeDefaults {
  /** gunicorn worker processes per instance; the construct derives it from the instance's vCPUs. */
  readonly WEB_CONCURRENCY: number;
  /** Threads per gunicorn worker, and so the size of each worker's database connection pool. */
  readonly GUNICORN_THREADS: number;
  /** Seconds after which the pool closes one unused connection. */
  readonly DATABASE_POOL_MAX_IDLE: number;
  /** Seconds a new database connection may take, Aurora's resume included. */
  readonly DATABASE_CONNECT_TIMEOUT: number;
  /** Seconds an outbound connection (embeds, webhooks) may take before it fails. */
  readonly OUTBOUND_CONNECT_TIMEOUT: number;
  /** The port gunicorn listens on. */
  readonly PORT: number;
  /** Seconds a page in the page cache is served at most (then rendered again, one database visit). */
  readonly PAGE_CACHE_MAX_AGE: number;
  /** `s-maxage` of cacheable pages: how long the CDN keeps a page, the staleness bound of a failed purge. */
  readonly PAGE_CACHE_CDN_SECONDS: number;
  /** Seconds after which each process re-reads the page cache's generation: other instances see a publish within it. */
  readonly PAGE_CACHE_GENERATION_SECONDS: number;
  /**
   * The CDN purge window: each process of the app writes at most one purge request per window (later ones wait for
   * the next), and the outbox sender makes one invalidation per window of requests.
   */
  readonly PURGE_BATCH_SECONDS: number;
}

export function loadRuntimeDefaults(): RuntimeDefaults {
  return JSON.parse(fs.readFileSync(DEFAULTS_FILE, 'utf-8')) as RuntimeDefaults;
}

/** Names a compute sets itself: App Runner reserves PORT, and WEB_CONCURRENCY follows the instance size. */
const SET_BY_COMPUTE = ['PORT', 'WEB_CONCURRENCY'];

/** The container environment that carries the other runtime numbers; users cannot override these names. */
export function runtimeEnvironment(defaults: RuntimeDefaults): Record<string, string> {
  return Object.fromEntries(Object.entries(defaults)
    .filter(([name]) => !SET_BY_COMPUTE.includes(name))
    .map(([name, value]) => [name, String(value)]));
}
