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
  expect(source.dockerBuildArgs).toEqual({ SETTINGS_MODULE: 'mysite.settings.production', POSTGRES_MAJOR: '17' });
  expect(source.platform).toBe('linux/amd64');
  const context = path.resolve(outdir, source.directory);
  expect(fs.existsSync(path.join(context, 'manage.py'))).toBe(true);
  expect(fs.existsSync(path.join(context, BUILD_DIRECTORY, 'Dockerfile'))).toBe(true);
  expect(fs.existsSync(path.join(context, BUILD_DIRECTORY, 'runtime', 'pyproject.toml'))).toBe(true);
  expect(fs.existsSync(path.join(context, BUILD_DIRECTORY, 'runtime', 'tests'))).toBe(false);
});

test('a settings module can be named, inheriting the runtime configuration from another', () => {
  expect(imageAsset(FIXTURE, { settingsModule: 'mysite.settings.staging' }).source.dockerBuildArgs).toEqual({ SETTINGS_MODULE: 'mysite.settings.staging', POSTGRES_MAJOR: '17' });
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
  const runtime = path.resolve(outdir, source.directory, BUILD_DIRECTORY, 'runtime');
  const shipped = path.join(__dirname, '..', 'runtime');
  expect(fs.readFileSync(path.join(runtime, 'pyproject.toml'), 'utf-8')).toBe(fs.readFileSync(path.join(shipped, 'pyproject.toml'), 'utf-8'));
  expect(fs.readFileSync(path.resolve(outdir, source.directory, BUILD_DIRECTORY, 'Dockerfile'), 'utf-8'))
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

describe('requirement files that include others', () => {
  /** A copy of the fixture whose requirements.txt is `lines`, with `files` (path relative to the project: content) added. */
  function projectWith(lines: string[], files: { [file: string]: string } = {}): string {
    const directory = projectCopy();
    fs.writeFileSync(path.join(directory, 'requirements.txt'), lines.join('\n') + '\n');
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
      fs.writeFileSync(path.join(directory, file), content);
    }
    return directory;
  }

  test('the build context holds every included file and local package at its path, for the dependency step', () => {
    const { source, outdir } = imageAsset(path.join(__dirname, 'fixtures', 'wagtail-project-grown'));
    const staged = path.resolve(outdir, source.directory, BUILD_DIRECTORY, 'requirements');
    const files = (fs.readdirSync(staged, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(staged, f)).isFile()).sort();
    expect(files).toEqual([
      'constraints.txt',
      'packages/magicinfo/magicinfo.c',
      'packages/magicinfo/pyproject.toml',
      'packages/magicinfo/setup.py',
      'requirements.txt',
      'requirements/base.txt',
      'requirements/production.txt',
    ]);
    expect(fs.readFileSync(path.join(staged, 'requirements', 'production.txt'), 'utf-8'))
      .toBe(fs.readFileSync(path.join(__dirname, 'fixtures', 'wagtail-project-grown', 'requirements', 'production.txt'), 'utf-8'));
  });

  test('every spelling pip accepts is followed, and the runtime line may be in an included file', () => {
    const directory = projectWith(['-rreq/a.txt', '--requirement=req/b.txt', '--constraint req/c.txt', '-c  req/d.txt  # pins'], {
      'req/a.txt': 'wagtail-scale-to-zero-runtime\n./packages/x[extra] --hash=sha256:0123;python_version>="3.11"\n',
      'packages/x/setup.py': '',
      'req/b.txt': 'Django>=5.2 \\\n  ; python_version >= "3.11"\n',
      'req/c.txt': '-c e.txt\n',
      'req/e.txt': 'Django<6\n',
      'req/d.txt': '',
    });
    const { source, outdir } = imageAsset(directory);
    for (const file of ['requirements.txt', 'req/a.txt', 'req/b.txt', 'req/c.txt', 'req/d.txt', 'req/e.txt', 'packages/x/setup.py']) {
      expect(fs.existsSync(path.resolve(outdir, source.directory, BUILD_DIRECTORY, 'requirements', file))).toBe(true);
    }
  });

  test('a site change leaves the staged requirements as they were', () => {
    const directory = projectCopy();
    const staged = () => {
      const { source, outdir } = imageAsset(directory);
      return fs.readdirSync(path.resolve(outdir, source.directory, BUILD_DIRECTORY, 'requirements'));
    };
    const before = staged();
    fs.appendFileSync(path.join(directory, 'mysite', 'settings', 'base.py'), 'WAGTAIL_SITE_NAME = "changed"\n');
    expect(staged()).toEqual(before);
    expect(before).toEqual(['requirements.txt']);
  });

  test('a missing included file fails synth with the including file and line', () => {
    const directory = projectWith(['wagtail-scale-to-zero-runtime', '-r requirements/production.txt'], {
      'requirements/production.txt': '# production\n\n-c ../constraints.txt\n',
    });
    expect(() => WagtailImage.fromWagtailProject(directory)).toThrow(
      'fromWagtailProject: requirements/production.txt line 3 includes ../constraints.txt, but there is no such file (constraints.txt in the project); add it or remove the line');
  });

  test('an included file outside the project fails synth with the including file and line', () => {
    const directory = projectWith(['wagtail-scale-to-zero-runtime', '', '--requirement ../shared/base.txt']);
    expect(() => WagtailImage.fromWagtailProject(directory)).toThrow(
      /^fromWagtailProject: requirements\.txt line 3 names \.\.\/shared\/base\.txt, which lies outside the project directory .*; the image is built from the project directory alone, so move the file into it$/);
  });

  test('a local package that is missing, outside the project or editable fails synth with the file and line', () => {
    expect(() => WagtailImage.fromWagtailProject(projectWith(['wagtail-scale-to-zero-runtime', './packages/gone']))).toThrow(
      'fromWagtailProject: requirements.txt line 2 installs ./packages/gone, which is not in the project');
    expect(() => WagtailImage.fromWagtailProject(projectWith(['wagtail-scale-to-zero-runtime', '../sibling']))).toThrow(
      /requirements\.txt line 2 names \.\.\/sibling, which lies outside the project directory/);
    expect(() => WagtailImage.fromWagtailProject(projectWith(['wagtail-scale-to-zero-runtime', '-e ./packages/x'], { 'packages/x/setup.py': '' }))).toThrow(
      'fromWagtailProject: requirements.txt line 2 installs ./packages/x as editable (-e); the image installs its packages once, so remove the -e');
  });

  test('the runtime named only in a constraint file is not installed, so synth asks for the line', () => {
    const directory = projectWith(['wagtail>=7.0', '-c constraints.txt'], { 'constraints.txt': 'wagtail-scale-to-zero-runtime==1.0\n' });
    expect(() => WagtailImage.fromWagtailProject(directory)).toThrow(/add the line "wagtail-scale-to-zero-runtime" to .*requirements\.txt \(or a file it includes\)/);
  });
});

describe('Debian packages of the site', () => {
  test('are passed to the build as build args, and none when there are none', () => {
    const { source } = imageAsset(FIXTURE, { systemPackages: ['libmagic1', 'gdal-bin'], buildPackages: ['libxml2-dev', 'libxslt1-dev'] });
    expect(source.dockerBuildArgs).toEqual({
      SETTINGS_MODULE: 'mysite.settings.production',
      POSTGRES_MAJOR: '17',
      SYSTEM_PACKAGES: 'libmagic1 gdal-bin',
      BUILD_PACKAGES: 'libxml2-dev libxslt1-dev',
    });
    expect(imageAsset(FIXTURE, { systemPackages: [], buildPackages: [] }).source.dockerBuildArgs).toEqual({ SETTINGS_MODULE: 'mysite.settings.production', POSTGRES_MAJOR: '17' });
  });

  test.each([
    ['systemPackages', 'libmagic1 libpq5'],
    ['systemPackages', 'LibMagic1'],
    ['buildPackages', 'libxml2-dev=2.9'],
    ['buildPackages', '-y'],
    ['buildPackages', 'x'],
    ['systemPackages', 'libmagic1; rm -rf /'],
  ])('%s [%j] is refused at synth, naming the prop', (prop, name) => {
    expect(() => WagtailImage.fromWagtailProject(FIXTURE, { [prop]: [name] })).toThrow(
      `${prop}: ${JSON.stringify(name)} is not a Debian package name; give names alone, of two characters or more: lowercase letters, digits, +, - and ., starting with a letter or digit (e.g. libmagic1)`);
  });
});
