import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { WagtailCompute, WagtailImage, WagtailScaleToZero, WagtailScaleToZeroProps } from '../src';
import { ComputeKind, CONTRACT } from '../src/contract';
import { ENGINE } from '../src/database';
import { loadRuntimeDefaults } from '../src/runtime-defaults';
import { CERTIFICATE_ARN, ENV, TEST_IMAGE_DIRECTORY } from './fixtures/stacks';
import { outboxSenderOf } from './fixtures/templates';

/** A stack with every optional part that brings a variable: email, CloudFront and a domain. */
function fullTemplate(props: WagtailScaleToZeroProps): Template {
  const stack = new Stack(new App(), 'Full', { env: ENV });
  new WagtailScaleToZero(stack, 'Cms', {
    image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY),
    email: { fromAddress: 'cms@example.com' },
    adminEmail: 'editor@example.com',
    domainName: 'cms.example.com',
    certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
    ...props,
  });
  return Template.fromStack(stack);
}

/** How a variable's value reaches a compute: a Secrets Manager reference, a custom resource's masked attribute, or plain. */
type ValueKind = 'secret' | 'deployTimeSecret' | 'plain';

/** Every variable the site's computes get in `template`: [compute, name, how its value comes]. */
function siteVariables(template: Template): Array<[ComputeKind, string, ValueKind]> {
  const masked = Object.keys(template.findResources('Custom::CdnOriginSecret'));
  const kind = (value: unknown, referenced: boolean): ValueKind => referenced ? 'secret'
    : masked.some((id) => JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [id, 'Value'] })) ? 'deployTimeSecret' : 'plain';
  const found: Array<[ComputeKind, string, ValueKind]> = [];
  for (const service of Object.values(template.findResources('AWS::AppRunner::Service'))) {
    const image = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration;
    found.push(...image.RuntimeEnvironmentVariables.map((v: any): [ComputeKind, string, ValueKind] => ['appRunner', v.Name, kind(v.Value, false)]));
    found.push(...image.RuntimeEnvironmentSecrets.map((v: any): [ComputeKind, string, ValueKind] => ['appRunner', v.Name, 'secret']));
  }
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))) {
    for (const [name, value] of Object.entries(fn.Properties.Environment.Variables)) {
      found.push(['lambdaFunction', name, kind(value, JSON.stringify(value).includes('{{resolve:secretsmanager:'))]);
    }
  }
  return found;
}

const templates = [fullTemplate({}), fullTemplate({ compute: WagtailCompute.lambdaFunction() })];
const variables = templates.flatMap(siteVariables);

test('every variable a compute gets is in the contract, for that compute, a secret exactly when the contract says', () => {
  for (const [compute, name, kind] of variables) {
    expect({ name, compute, known: name in CONTRACT.environment }).toEqual({ name, compute, known: true });
    const variable = CONTRACT.environment[name];
    expect({ name, computes: variable.computes }).toEqual({ name, computes: expect.arrayContaining([compute]) });
    const expected: ValueKind = variable.secret ? 'secret' : variable.deployTimeSecret ? 'deployTimeSecret' : 'plain';
    expect({ name, kind }).toEqual({ name, kind: expected });
  }
});

test('every variable of the contract is set on each of its computes (but those the compute sets itself)', () => {
  const set = new Set(variables.map(([compute, name]) => `${compute}:${name}`));
  const missing = Object.entries(CONTRACT.environment)
    .filter(([, variable]) => !variable.setByCompute)
    .flatMap(([name, variable]) => variable.computes.map((compute) => `${compute}:${name}`))
    .filter((entry) => !set.has(entry));
  expect(missing).toEqual([]);
});

test('every runtime number of defaults.json is a variable of the contract', () => {
  expect(Object.keys(loadRuntimeDefaults()).filter((name) => !(name in CONTRACT.environment))).toEqual([]);
});

test('the outbox sender gets only variables the contract names for it', () => {
  for (const template of templates) {
    const [, sender] = outboxSenderOf(template);
    expect(Object.keys(sender.Properties.Environment.Variables).filter((name) => !CONTRACT.senderEnvironment.includes(name))).toEqual([]);
  }
});

test('no variable is both the construct\'s and a site owner\'s, or both the site\'s and the sender\'s by accident', () => {
  const construct = Object.keys(CONTRACT.environment);
  expect(construct.filter((name) => CONTRACT.siteEnvironment.includes(name) || CONTRACT.platformEnvironment.includes(name))).toEqual([]);
  // The sender shares one name with the site: the purge window both sides must agree on.
  expect(construct.filter((name) => CONTRACT.senderEnvironment.includes(name))).toEqual(['PURGE_BATCH_SECONDS']);
});

test('the cluster runs the PostgreSQL major version whose pg_dump and pg_restore the image carries', () => {
  expect(ENGINE.engineVersion?.majorVersion).toBe(String(CONTRACT.postgresMajorVersion));
  const dockerfile = fs.readFileSync(path.join(__dirname, '..', 'runtime', 'docker', 'Dockerfile'), 'utf-8');
  expect(dockerfile).toMatch(/apt-get download "postgresql-client-\$\{POSTGRES_MAJOR\}"/);
  expect(dockerfile).not.toMatch(/ARG POSTGRES_MAJOR=/); // no second copy of the version: the construct passes it
});

test('the values derived from the database password use different messages: the origin value never is SECRET_KEY', () => {
  expect(CONTRACT.secretKeyMessage).not.toEqual(CONTRACT.cdnOriginMessage);
  expect(CONTRACT.secretKeyMessage && CONTRACT.cdnOriginMessage).toBeTruthy();
});

test('CloudFront\'s origin value is derived with the contract\'s message', () => {
  const [resource] = Object.values(templates[0].findResources('Custom::CdnOriginSecret'));
  expect(resource.Properties.Message).toBe(CONTRACT.cdnOriginMessage);
});
