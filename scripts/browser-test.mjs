#!/usr/bin/env node
// Browser test of the bundled Wagtail site (app/: `wagtail start` + the runtime
// package): Debian's headless chromium driven by playwright-core, against the real
// site (the package's start command + gunicorn) on a throwaway PostgreSQL with media
// in moto's S3 emulator, all started by the local harness runtime/tests/run_local.py.
//
// An editor logs in, uploads an image (a PNG made here) whose thumbnail in the image
// library must load (naturalWidth > 0) from the S3 emulator through a presigned URL,
// then renames the home page (the stock page has a title only) and publishes it; the
// published page must carry the new title.
// Screenshots go to test-output/. Last line: "browser: N passed, N failed".
//
//   node scripts/browser-test.mjs             starts the site (runtime/tests/run_local.py), drives it, stops it
//   node scripts/browser-test.mjs --url URL   drives a site already running at URL (e.g. a container started by
//                                             runtime/tests/image_check.py), with its media bucket in an S3
//                                             emulator; from the environment: BROWSER_ADMIN_USERNAME,
//                                             BROWSER_ADMIN_PASSWORD, BROWSER_S3_ENDPOINT, BROWSER_S3_BUCKET,
//                                             BROWSER_SCREENSHOT_PREFIX (default "browser-")
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const OUT = process.env.TEST_OUTPUT_DIR ?? path.join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// --- a small PNG, made here -----------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function makePng(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      // diagonal stripes in two colours
      const on = ((x + y) >> 4) % 2 === 0;
      row.set(on ? [46, 125, 50] : [250, 200, 40], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The site under test: the URL given with --url and the environment, else the site started here. */
const TARGET_URL = (() => {
  const i = process.argv.indexOf('--url');
  return i > 0 ? process.argv[i + 1]?.replace(/\/+$/, '') : undefined;
})();
const SHOT_PREFIX = process.env.BROWSER_SCREENSHOT_PREFIX ?? 'browser-';

function targetFromEnvironment() {
  const missing = ['BROWSER_ADMIN_USERNAME', 'BROWSER_ADMIN_PASSWORD', 'BROWSER_S3_ENDPOINT', 'BROWSER_S3_BUCKET']
    .filter((k) => !process.env[k]);
  if (!TARGET_URL || missing.length) throw new Error(`--url needs a URL and ${missing.join(', ') || 'nothing more'}`);
  return {
    baseUrl: TARGET_URL,
    admin: { username: process.env.BROWSER_ADMIN_USERNAME, password: process.env.BROWSER_ADMIN_PASSWORD },
    s3: { endpoint: process.env.BROWSER_S3_ENDPOINT, bucket: process.env.BROWSER_S3_BUCKET },
  };
}

async function run() {
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wagtail-browser-'));
  if (TARGET_URL) {
    try {
      await drive(targetFromEnvironment(), tmp);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return;
  }
  const appLog = path.join(OUT, 'browser-app.log');
  fs.writeFileSync(appLog, '');
  const site = await startSite(appLog);
  try {
    await drive(site.stack, tmp);
  } finally {
    await site.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The site on a free port with nothing kept and media in moto's S3 emulator, started by the local harness
 * (runtime/tests/run_local.py, with the python of the app's venv) as a child process; its output goes to `appLog`.
 * Resolves, once the harness's ready line arrives, to { stack: { baseUrl, admin, s3 }, stop() }.
 */
async function startSite(appLog) {
  const venv = spawnSync('bash', [path.join(ROOT, 'scripts/app-venv.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (venv.status !== 0) throw new Error('scripts/app-venv.sh failed (needs python3 with the venv module)');
  const python = path.join(venv.stdout.trim().split('\n').pop(), 'bin', 'python');
  const child = spawn(
    python,
    ['-m', 'tests.run_local', '--temporary', '--s3', '--port', '0', '--app-log', appLog, '--ready-json'],
    { cwd: path.join(ROOT, 'runtime'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // the harness stops gunicorn, moto and PostgreSQL, then exits
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    await exited;
    clearTimeout(timer);
  };
  // The first line on the harness's stdout, or null when it exits without one.
  const lines = readline.createInterface({ input: child.stdout });
  const [line] = await Promise.race([once(lines, 'line'), exited.then(() => [null])]);
  if (line === null) {
    throw new Error(`the local harness exited with ${child.exitCode ?? child.signalCode} before the site was up`);
  }
  try {
    const ready = JSON.parse(line);
    return { stack: { baseUrl: ready.url, admin: ready.admin, s3: ready.s3 }, stop };
  } catch {
    await stop();
    throw new Error(`not the local harness's ready line: ${line}`);
  }
}

/** An editor's session on `stack` ({ baseUrl, admin, s3: { endpoint, bucket } }), in a Chromium profile under `tmp`. */
async function drive(stack, tmp) {
  const { chromium } = await import('playwright-core');
  let context;
  try {
    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    const base = stack.baseUrl;
    const step = (m) => console.log(`browser: ${m}`);

    step('log in to the Wagtail admin');
    await page.goto(`${base}/admin/login/`);
    await page.fill('input[name="username"]', stack.admin.username);
    await page.fill('input[name="password"]', stack.admin.password);
    await Promise.all([page.waitForURL(`${base}/admin/`), page.click('button[type="submit"]')]);

    step('upload an image');
    const png = makePng(320, 200);
    await page.goto(`${base}/admin/images/add/`);
    await page.fill('input[name="title"]', 'Stripes');
    await page.setInputFiles('input[name="file"]', { name: 'stripes.png', mimeType: 'image/png', buffer: png });
    await Promise.all([
      page.waitForURL((u) => !u.pathname.endsWith('/add/')),
      page.locator('form[action$="/images/add/"] button[type="submit"]').first().click(),
    ]);

    step('see the thumbnail in the image library, loaded from S3');
    await page.goto(`${base}/admin/images/`);
    const thumb = page.locator('img[alt="Stripes"], img[src*="/images/stripes"]').first();
    await thumb.waitFor();
    await page.waitForFunction(() => {
      const i = [...document.querySelectorAll('img')].find((el) => el.currentSrc.includes('/images/stripes'));
      return i && i.complete && i.naturalWidth > 0;
    });
    const { src, naturalWidth } = await page.evaluate(() => {
      const i = [...document.querySelectorAll('img')].find((el) => el.currentSrc.includes('/images/stripes'));
      return { src: i.currentSrc, naturalWidth: i.naturalWidth };
    });
    const endpoint = stack.s3.endpoint;
    if (!src.startsWith(`${endpoint}/${stack.s3.bucket}/`)) throw new Error(`image not served from the S3 emulator: ${src}`);
    if (!src.includes('X-Amz-Signature=')) throw new Error(`image URL is not presigned: ${src}`);
    await page.screenshot({ path: path.join(OUT, `${SHOT_PREFIX}images.png`), fullPage: true });
    step(`thumbnail loaded: naturalWidth=${naturalWidth} from ${src.split('?')[0]} (presigned)`);

    step('edit the home page title');
    await page.goto(`${base}/admin/pages/`);
    const editHref = await page
      .locator('a[href*="/admin/pages/"][href$="/edit/"]', { hasText: 'Home' })
      .first()
      .getAttribute('href');
    await page.goto(new URL(editHref, base).href);
    await page.fill('input[name="title"]', 'Scale to zero');
    await page.screenshot({ path: path.join(OUT, `${SHOT_PREFIX}admin-edit.png`), fullPage: true });

    step('publish');
    await Promise.all([
      page.waitForURL((u) => !u.pathname.endsWith('/edit/') || u.search.includes('published')),
      page.locator('button[name="action-publish"]').evaluate((b) => b.click()),
    ]);

    step('view the published page');
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.title.includes('Scale to zero'));
    await page.screenshot({ path: path.join(OUT, `${SHOT_PREFIX}home.png`), fullPage: true });
    step(`published: the page title is "${(await page.title()).replace(/\s+/g, ' ').trim()}"`);
  } finally {
    if (context) await context.close().catch(() => {});
  }
}

const started = Date.now();
try {
  await run();
  console.log(`browser: done in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(ROOT, OUT)}/`);
  console.log('browser: 1 passed, 0 failed');
  process.exit(0);
} catch (e) {
  console.error(e?.stack ?? e);
  if (!TARGET_URL) console.error(`browser: app log in ${path.relative(ROOT, path.join(OUT, 'browser-app.log'))}`);
  console.log('browser: 0 passed, 1 failed');
  process.exit(1);
}
