import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WagtailImage, WagtailScaleToZero } from '../src';
import { LIBRARY_HANDLER_IDS } from '../src/nag-findings';
import { ENV, TEST_IMAGE_DIRECTORY, customizedStack, defaultStack, lambdaStack } from './fixtures/stacks';

describe.each([['default stack', defaultStack], ['Lambda stack', lambdaStack], ['stack with every prop set', customizedStack]] as Array<[string, (app: App) => Stack]>)('cdk-nag AwsSolutions on the %s', (_name, build) => {
  const app = new App();
  const stack = build(app);
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();

  test('no unsuppressed errors', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split(':')[0]}`)).toEqual([]);
  });

  test('no unsuppressed warnings', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((w) => `${w.id}: ${String(w.entry.data).split(':')[0]}`)).toEqual([]);
  });

  test('every suppression gives a reason', () => {
    const template = app.synth().getStackByName(stack.stackName).template;
    const suppressions = Object.values(template.Resources as Record<string, any>).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const suppression of suppressions) {
      expect(suppression.reason.length).toBeGreaterThan(40);
    }
  });
});

test('every library handler the suppressions name still exists in a stack the construct makes', () => {
  const app = new App();
  const stacks = [defaultStack(app), lambdaStack(app), customizedStack(app)];
  for (const id of LIBRARY_HANDLER_IDS) {
    const found = stacks.some((stack) => stack.node.children.some((c) => c.node.id.startsWith(id)));
    expect({ id, found }).toEqual({ id, found: true });
  }
});

test('every suppression sits on a resource the stack has, beside the resource it concerns', () => {
  const app = new App();
  const stack = customizedStack(app);
  const template = app.synth().getStackByName(stack.stackName).template;
  for (const resource of Object.values(template.Resources as Record<string, any>)) {
    for (const suppression of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      // Each accepted finding sits on the kind of resource it is about, not on everything around it.
      if (suppression.id === 'AwsSolutions-SMG4') expect(resource.Type).toBe('AWS::SecretsManager::Secret');
      if (suppression.id === 'AwsSolutions-S1') expect(resource.Type).toBe('AWS::S3::Bucket');
      if (suppression.id === 'AwsSolutions-RDS10') expect(resource.Type).toMatch(/AWS::RDS::DB(Cluster|Instance)/);
      if (suppression.id === 'AwsSolutions-SQS3') expect(resource.Type).toBe('AWS::SQS::Queue');
      if (suppression.id === 'AwsSolutions-SNS2') expect(resource.Type).toBe('AWS::SNS::Topic');
      if (/^AwsSolutions-CFR/.test(suppression.id)) expect(resource.Type).toBe('AWS::CloudFront::Distribution');
    }
  }
});

test('library handlers made after the construct are covered, and two constructs record each finding once', () => {
  const app = new App();
  const stack = new Stack(app, 'TwoSites', { env: ENV });
  new WagtailScaleToZero(stack, 'Blog', { image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY), cdn: false });
  new WagtailScaleToZero(stack, 'Shop', { image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY), cdn: false });
  // A user's own bucket with notifications, added after both: its handler is created now, at the stack's top level.
  const uploads = new s3.Bucket(stack, 'Uploads', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' });
  uploads.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(new sqs.Queue(stack, 'Uploaded', { enforceSSL: true })));
  const template = app.synth().getStackByName(stack.stackName).template;
  const handlers = Object.entries(template.Resources as Record<string, any>)
    .filter(([id]) => LIBRARY_HANDLER_IDS.some((prefix) => id.startsWith(prefix.replace(/:/g, ''))));
  expect(handlers.length).toBeGreaterThan(0);
  for (const [id, resource] of handlers) {
    const ids = (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s: { id: string }) => s.id);
    expect({ id, ids }).toEqual({ id, ids: expect.arrayContaining(['AwsSolutions-IAM4']) });
    expect({ id, duplicates: ids.length - new Set(ids).size }).toEqual({ id, duplicates: 0 });
  }
});
