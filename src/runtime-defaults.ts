import * as fs from 'fs';
import * as path from 'path';

/** The directory of the bundled Wagtail app, shipped inside this package. */
export const BUNDLED_APP_DIRECTORY = path.join(__dirname, '..', 'app');

/**
 * The bundled app's runtime numbers. `app/runtime-defaults.json` is their one source: the container falls back
 * to the same file, and the construct passes each value to it as an environment variable.
 */
export interface RuntimeDefaults {
  /** gunicorn worker processes per instance (`WEB_CONCURRENCY`). */
  readonly webConcurrency: number;
  /** Threads per gunicorn worker (`GUNICORN_THREADS`). */
  readonly threadsPerWorker: number;
  /** Largest database connection pool of one worker process (`DATABASE_POOL_MAX_SIZE`). */
  readonly databasePoolMaxSize: number;
  /** Seconds an unused pooled connection lives before it is closed (`DATABASE_POOL_MAX_IDLE`). */
  readonly databasePoolMaxIdleSeconds: number;
  /** Seconds a new database connection may take, Aurora's resume included (`DATABASE_CONNECT_TIMEOUT`). */
  readonly databaseConnectTimeoutSeconds: number;
  /** The port gunicorn listens on (`PORT`). */
  readonly port: number;
}

export function loadRuntimeDefaults(): RuntimeDefaults {
  const file = path.join(BUNDLED_APP_DIRECTORY, 'runtime-defaults.json');
  return JSON.parse(fs.readFileSync(file, 'utf-8')) as RuntimeDefaults;
}

/** The container environment that carries the runtime numbers; users cannot override these names. */
export function runtimeEnvironment(defaults: RuntimeDefaults): Record<string, string> {
  return {
    WEB_CONCURRENCY: String(defaults.webConcurrency),
    GUNICORN_THREADS: String(defaults.threadsPerWorker),
    DATABASE_POOL_MAX_SIZE: String(defaults.databasePoolMaxSize),
    DATABASE_POOL_MAX_IDLE: String(defaults.databasePoolMaxIdleSeconds),
    DATABASE_CONNECT_TIMEOUT: String(defaults.databaseConnectTimeoutSeconds),
    PORT: String(defaults.port),
  };
}
