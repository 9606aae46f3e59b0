import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { WagtailImage, WagtailScaleToZero } from '../src';
import { BUILD_DIRECTORY } from '../src/wagtail-project';
import { ENV } from './fixtures/stacks';

const FIXTURE = path.join(__dirname, 'fixtures', 'wagtail-project');

/** A copy of the fixture project that a test may change. */
function projectCopy(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'wagtail-project-'));
  fs.cpSync(FIXTURE, directory, { recursive: true });
  return directory;
}

/** Synthesizes a stack with the project's image and returns its one Docker image asset as the manifest describes it. */
function imageAsset(directory: string, options = {}): { hash: string; source: any; outdir: string } {
  const app = new App();
  const stack = new Stack(app, 'Project', { env: ENV });
  new WagtailScaleToZero(stack, 'Cms', { image: WagtailImage.fromWagtailProject(directory, options) });
  const assembly = app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf-8'));
  const [hash, image] = Object.entries(manifest.dockerImages as Record<string, any>)[0];
  return { hash, source: image.source, outdir: assembly.directory };
}

test('builds a wagtail start project with the library Dockerfile, its production settings and no Dockerfile of its own', () => {
  const { source, outdir } = imageAsset(FIXTURE);
  expect(source.dockerFile).toBe(`${BUILD_DIRECTORY}/Dockerfile`);
  expect(source.dockerBuildArgs).toEqual({ SETTINGS_MODULE: 'mysite.settings.production' });
  expect(source.platform).toBe('linux/amd64');
  const context = path.join(outdir, source.directory);
  expect(fs.existsSync(path.join(context, 'manage.py'))).toBe(true);
  expect(fs.existsSync(path.join(context, BUILD_DIRECTORY, 'Dockerfile'))).toBe(true);
  expect(fs.existsSync(path.join(context, BUILD_DIRECTORY, 'runtime', 'pyproject.toml'))).toBe(true);
  expect(fs.existsSync(path.join(context, BUILD_DIRECTORY, 'runtime', 'tests'))).toBe(false);
});

test('a settings module can be named, inheriting the runtime configuration from another', () => {
  expect(imageAsset(FIXTURE, { settingsModule: 'mysite.settings.staging' }).source.dockerBuildArgs).toEqual({ SETTINGS_MODULE: 'mysite.settings.staging' });
});

test('the image changes when the project changes, and local state stays out of it', () => {
  const directory = projectCopy();
  const before = imageAsset(directory).hash;
  for (const local of ['.git', '.venv', 'media', 'node_modules', path.join('mysite', '__pycache__')]) {
    fs.mkdirSync(path.join(directory, local), { recursive: true });
    fs.writeFileSync(path.join(directory, local, 'junk'), 'local state');
  }
  expect(imageAsset(directory).hash).toBe(before);
  fs.appendFileSync(path.join(directory, 'mysite', 'settings', 'base.py'), 'WAGTAIL_SITE_NAME = "changed"\n');
  expect(imageAsset(directory).hash).not.toBe(before);
});

test('the library build (Dockerfile and runtime package) is part of what the image hash covers', () => {
  const { source, outdir } = imageAsset(FIXTURE);
  const runtime = path.join(outdir, source.directory, BUILD_DIRECTORY, 'runtime');
  const shipped = path.join(__dirname, '..', 'runtime');
  expect(fs.readFileSync(path.join(runtime, 'pyproject.toml'), 'utf-8')).toBe(fs.readFileSync(path.join(shipped, 'pyproject.toml'), 'utf-8'));
  expect(fs.readFileSync(path.join(outdir, source.directory, BUILD_DIRECTORY, 'Dockerfile'), 'utf-8'))
    .toBe(fs.readFileSync(path.join(shipped, 'docker', 'Dockerfile'), 'utf-8'));
});

describe('a project the runtime cannot run is refused at synth with what to do', () => {
  test('no manage.py', () => {
    const directory = projectCopy();
    fs.rmSync(path.join(directory, 'manage.py'));
    expect(() => WagtailImage.fromWagtailProject(directory)).toThrow(/has no manage\.py; give the directory that `wagtail start` made/);
  });

  test('no runtime in requirements.txt', () => {
    const directory = projectCopy();
    fs.writeFileSync(path.join(directory, 'requirements.txt'), 'wagtail>=7.0\n');
    expect(() => WagtailImage.fromWagtailProject(directory)).toThrow(/add the line "wagtail-scale-to-zero-runtime" to .*requirements\.txt/);
  });

  test('production settings that do not configure the runtime', () => {
    const directory = projectCopy();
    fs.writeFileSync(path.join(directory, 'mysite', 'settings', 'production.py'), 'from .base import *\n');
    expect(() => WagtailImage.fromWagtailProject(directory)).toThrow(/production\.py does not configure the runtime; end it with\n {2}from wagtail_scale_to_zero_runtime\.settings import configure\n {2}configure\(globals\(\)\)/);
  });

  test('a settings module that does not exist', () => {
    expect(() => WagtailImage.fromWagtailProject(FIXTURE, { settingsModule: 'mysite.settings.qa' })).toThrow(/settings module mysite\.settings\.qa not found/);
  });
});
