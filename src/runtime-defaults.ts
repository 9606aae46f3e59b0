import * as fs from 'fs';
import * as path from 'path';

/** The directory of the bundled Wagtail app, shipped inside this package. */
export const BUNDLED_APP_DIRECTORY = path.join(__dirname, '..', 'app');

/**
 * The app's runtime numbers, keyed by the environment variable that carries each one to the container.
 * `app/runtime-defaults.json` is their one source: the container falls back to the same file.
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
}

export function loadRuntimeDefaults(): RuntimeDefaults {
  const file = path.join(BUNDLED_APP_DIRECTORY, 'runtime-defaults.json');
  return JSON.parse(fs.readFileSync(file, 'utf-8')) as RuntimeDefaults;
}

/**
 * The container environment that carries the runtime numbers; users cannot override these names. PORT is left out:
 * App Runner reserves that name and sets it to the service's port itself.
 */
export function runtimeEnvironment(defaults: RuntimeDefaults): Record<string, string> {
  return Object.fromEntries(Object.entries(defaults)
    .filter(([name]) => name !== 'PORT')
    .map(([name, value]) => [name, String(value)]));
}
