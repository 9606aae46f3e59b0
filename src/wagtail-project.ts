import * as fs from 'fs';
import * as path from 'path';
import { readProjectRequirements } from './requirements-files';

/** The library's own files, shipped inside this package: the runtime package and the build of any Wagtail site. */
export const RUNTIME_DIRECTORY = path.join(__dirname, '..', 'runtime');
const DOCKERFILE = path.join(RUNTIME_DIRECTORY, 'docker', 'Dockerfile');

/**
 * Where the staged build context keeps the library's build: the Dockerfile, the runtime package source, and a copy of
 * what pip reads for the project's dependencies (its requirement files and local packages, under `requirements/`).
 */
export const BUILD_DIRECTORY = '.wagtail-scale-to-zero';

/** Top-level names never copied from a project into its build context: version control, environments, local state. */
const PROJECT_SKIPPED = ['.git', '.hg', 'node_modules', '.venv', 'venv', 'env', 'media', 'staticfiles', 'cdk.out', BUILD_DIRECTORY, '.local'];
/** Top-level names of the runtime package source that stay out of images. */
const RUNTIME_SKIPPED = ['tests', 'build', 'dist'];

/** What a Wagtail project looks like to the build. */
export interface WagtailProject {
  /** The settings module the image runs with, e.g. `mysite.settings.production`. */
  readonly settingsModule: string;
}

/**
 * Reads a project made by `wagtail start`: its settings package from manage.py, its production settings, and checks
 * that the two lines the runtime needs are there, so a missing line fails at synth with what to add.
 */
export function inspectWagtailProject(directory: string, settingsModule?: string): WagtailProject {
  const manage = path.join(directory, 'manage.py');
  if (!fs.existsSync(manage)) {
    throw new Error(`fromWagtailProject: ${directory} has no manage.py; give the directory that \`wagtail start\` made`);
  }
  const requirements = path.join(directory, 'requirements.txt');
  if (!fs.existsSync(requirements)) {
    throw new Error(`fromWagtailProject: ${directory} has no requirements.txt listing the site's Python packages`);
  }
  if (!readProjectRequirements(directory).namesRuntime) {
    throw new Error(`fromWagtailProject: add the line "wagtail-scale-to-zero-runtime" to ${requirements} (or a file it includes)`);
  }
  const module = settingsModule ?? defaultSettingsModule(directory, fs.readFileSync(manage, 'utf-8'));
  const file = settingsFile(directory, module);
  if (!file) {
    throw new Error(`fromWagtailProject: settings module ${module} not found in ${directory}; pass settingsModule`);
  }
  // A module named by the user may inherit the call from another; the start command refuses to run it otherwise.
  if (settingsModule === undefined && !/wagtail_scale_to_zero_runtime/.test(fs.readFileSync(file, 'utf-8'))) {
    throw new Error(
      `fromWagtailProject: ${file} does not configure the runtime; end it with\n` +
      '  from wagtail_scale_to_zero_runtime.settings import configure\n  configure(globals())',
    );
  }
  return { settingsModule: module };
}

/** `<package>.settings.production` when the project has it (the `wagtail start` layout), else manage.py's module. */
function defaultSettingsModule(directory: string, manage: string): string {
  const match = manage.match(/DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/);
  if (!match) {
    throw new Error(`fromWagtailProject: ${directory}/manage.py names no DJANGO_SETTINGS_MODULE; pass settingsModule`);
  }
  const packageName = match[1].split('.')[0];
  const production = `${packageName}.settings.production`;
  return settingsFile(directory, production) ? production : match[1];
}

function settingsFile(directory: string, module: string): string | undefined {
  const base = path.join(directory, ...module.split('.'));
  return [`${base}.py`, path.join(base, '__init__.py')].find((f) => fs.existsSync(f));
}

/**
 * Lays out the build context of a project in `outDirectory`: the project's files (without version control, virtual
 * environments or local media), plus the library's Dockerfile and runtime package under `.wagtail-scale-to-zero/`,
 * with a copy there of the files pip reads for the dependencies, at their paths in the project: the Dockerfile
 * installs the dependencies from that copy alone, so a change to the site's code leaves that layer cached.
 * Its content, and so the image asset's hash, changes when either the project or the library's build changes.
 */
export function stageWagtailProject(directory: string, outDirectory: string): string {
  fs.rmSync(outDirectory, { recursive: true, force: true });
  copyTree(directory, outDirectory, PROJECT_SKIPPED);
  const build = path.join(outDirectory, BUILD_DIRECTORY);
  for (const relative of readProjectRequirements(directory).paths) {
    const source = path.join(directory, relative);
    const target = path.join(build, 'requirements', relative);
    if (fs.statSync(source).isDirectory()) {
      copyTree(source, target, PROJECT_SKIPPED);
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
  copyTree(RUNTIME_DIRECTORY, path.join(build, 'runtime'), RUNTIME_SKIPPED);
  fs.copyFileSync(DOCKERFILE, path.join(build, 'Dockerfile'));
  return path.join(BUILD_DIRECTORY, 'Dockerfile');
}

/** Copies files and directories (not links), without bytecode, and without `skippedAtTop` at the first level. */
function copyTree(from: string, to: string, skippedAtTop: string[] = []): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (skippedAtTop.includes(entry.name) || entry.name === '__pycache__' || entry.name.endsWith('.pyc')) {
      continue;
    }
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyTree(source, target);
    } else if (entry.isFile()) {
      fs.copyFileSync(source, target);
    }
  }
}
