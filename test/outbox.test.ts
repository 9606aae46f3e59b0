import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EmailOptions } from '../src';
import { suppressLibraryHandlerFindings } from '../src/nag-findings';
import { Outbox } from '../src/outbox';
import { loadRuntimeDefaults } from '../src/runtime-defaults';
import { ENV } from './fixtures/stacks';
import { outboxSenderOf, policyStatementsOf } from './fixtures/templates';

const DISTRIBUTION_ID = 'E2EXAMPLE0ABCD';

interface Built { readonly app: App; readonly stack: Stack; readonly outbox: Outbox; readonly appRole: iam.Role }

/** An outbox as the construct wires it: email and/or purges of a distribution, and the app's role granted each. */
function build(email?: EmailOptions, purges = true): Built {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: ENV });
  const outbox = new Outbox(stack, 'Outbox', {
    email, logRetention: logs.RetentionDays.ONE_MONTH, purgeBatchSeconds: loadRuntimeDefaults().PURGE_BATCH_SECONDS,
  });
  const appRole = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('tasks.apprunner.amazonaws.com') });
  if (email) {
    outbox.grantSend(appRole);
  }
  if (purges) {
    outbox.enablePurges(cloudfront.Distribution.fromDistributionAttributes(stack, 'Cdn', {
      distributionId: DISTRIBUTION_ID, domainName: 'd111111abcdef8.cloudfront.net',
    }));
    outbox.grantPurge(appRole);
  }
  suppressLibraryHandlerFindings(stack);
  return { app, stack, outbox, appRole };
}

function notificationPrefixes(template: Template, senderId: string): string[] {
  const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
  return notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations.map((c: any) => {
    expect(c).toEqual(expect.objectContaining({ Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: { 'Fn::GetAtt': [senderId, 'Arn'] } }));
    return c.Filter.Key.FilterRules.map((r: any) => `${r.Name}=${r.Value}`).join();
  });
}

describe('an outbox for email and purges', () => {
  const { stack } = build({ fromAddress: 'cms@example.org' });
  const template = Template.fromStack(stack);
  const [senderId, sender] = outboxSenderOf(template);
  const senderStatements = policyStatementsOf(template, sender.Properties.Role['Fn::GetAtt'][0]);

  test('the bucket notifies the one sender of new objects under email/ and under purge/', () => {
    expect(notificationPrefixes(template, senderId)).toEqual(['prefix=email/', 'prefix=purge/']);
  });

  test('the sender is told the From address and the distribution, and has time for the purge debounce', () => {
    expect(sender.Properties.Environment.Variables).toEqual({ EMAIL_FROM_ADDRESS: 'cms@example.org', DISTRIBUTION_ID: DISTRIBUTION_ID, PURGE_BATCH_SECONDS: '30' });
    expect(sender.Properties.Timeout).toBe(150);
    expect(sender.Properties.Description).toBe('Handles the Wagtail CMS outbox: sends its email with Amazon SES, invalidates CloudFront for its purge requests');
  });

  test('its only CloudFront permission is CreateInvalidation on that one distribution, whose ARN has no region', () => {
    const cloudfrontStatements = senderStatements.filter((s) => JSON.stringify(s.Action).includes('cloudfront:'));
    expect(cloudfrontStatements).toHaveLength(1);
    expect(cloudfrontStatements[0].Action).toBe('cloudfront:CreateInvalidation');
    expect(stack.resolve(cloudfrontStatements[0].Resource)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudfront::${ENV.account}:distribution/${DISTRIBUTION_ID}`]],
    });
    expect(senderStatements.filter((s) => JSON.stringify(s.Resource) === '"*"')).toEqual([]);
  });

  test('it may read and delete objects under email/ and purge/, list the bucket, and nothing else in S3', () => {
    const s3 = senderStatements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    const objectStatements = s3.filter((s) => JSON.stringify(s.Action) === JSON.stringify(['s3:GetObject', 's3:DeleteObject']));
    expect(objectStatements.map((s) => JSON.stringify(s.Resource).match(/\/(\w+)\/\*/)![1]).sort()).toEqual(['email', 'purge']);
    expect(s3.filter((s) => !objectStatements.includes(s))).toEqual([
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OutboxBucket/), 'Arn'] } },
    ]);
  });

  test('the app may only put objects under email/ and purge/ of the outbox', () => {
    const outboxStatements = policyStatementsOf(template, 'AppRole').filter((s) => JSON.stringify(s.Resource).includes('OutboxBucket'));
    expect(outboxStatements.map((s) => s.Action)).toEqual(['s3:PutObject', 's3:PutObject']);
    expect(outboxStatements.map((s) => JSON.stringify(s.Resource).match(/\/(\w+)\/\*/)![1])).toEqual(['email', 'purge']);
  });

  test('the sender reserves a few invocations: a flood of outbox objects waits instead of taking the account\'s concurrency', () => {
    expect(sender.Properties.ReservedConcurrentExecutions).toBe(5);
  });

  test('failed purges and failed sends land in the same queue', () => {
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: senderId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxFailureQueue'), 'Arn'] } } },
    });
  });
});

describe('an outbox for purges only', () => {
  const { stack } = build();
  const template = Template.fromStack(stack);
  const [senderId, sender] = outboxSenderOf(template);

  test('handles purge/ only, with no SES permission and no From address', () => {
    expect(notificationPrefixes(template, senderId)).toEqual(['prefix=purge/']);
    expect(sender.Properties.Environment.Variables).toEqual({ DISTRIBUTION_ID: DISTRIBUTION_ID, PURGE_BATCH_SECONDS: '30' });
    expect(sender.Properties.Description).toBe('Handles the Wagtail CMS outbox: invalidates CloudFront for its purge requests');
    const statements = policyStatementsOf(template, sender.Properties.Role['Fn::GetAtt'][0]);
    expect(JSON.stringify(statements)).not.toMatch(/ses:|\/email\//);
  });

  test('the app may only put purge requests', () => {
    const outboxStatements = policyStatementsOf(template, 'AppRole').filter((s) => JSON.stringify(s.Resource).includes('OutboxBucket'));
    expect(outboxStatements).toHaveLength(1);
    expect(outboxStatements[0].Action).toBe('s3:PutObject');
    expect(JSON.stringify(outboxStatements[0].Resource)).toMatch(/\/purge\/\*"/);
  });
});

test('an email-only outbox has no purge notification, no CloudFront permission and the email timeout', () => {
  const template = Template.fromStack(build({ fromAddress: 'cms@example.org' }, false).stack);
  const [senderId, sender] = outboxSenderOf(template);
  expect(notificationPrefixes(template, senderId)).toEqual(['prefix=email/']);
  expect(sender.Properties.Environment.Variables).toEqual({ EMAIL_FROM_ADDRESS: 'cms@example.org' });
  expect(sender.Properties.Timeout).toBe(90);
  expect(sender.Properties.Description).toBe('Handles the Wagtail CMS outbox: sends its email with Amazon SES');
  expect(JSON.stringify(template.toJSON())).not.toMatch(/cloudfront|purge\//);
});

test.each([
  ['email and purges', () => build({ fromAddress: 'cms@example.org' })],
  ['purges only', () => build()],
])('cdk-nag AwsSolutions finds nothing unsuppressed on an outbox for %s', (_name, make) => {
  const { app, stack } = make();
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const findings = [
    ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ];
  expect(findings.map((f) => `${f.id}: ${String(f.entry.data).split(':')[0]}`)).toEqual([]);
});

test('the outbox refuses to be wired wrongly', () => {
  const { outbox, appRole } = build();
  expect(() => outbox.enablePurges(cloudfront.Distribution.fromDistributionAttributes(Stack.of(outbox), 'Other', {
    distributionId: 'E3OTHER', domainName: 'd2.cloudfront.net',
  }))).toThrow(/enablePurges was already called/);
  expect(() => outbox.grantSend(appRole)).toThrow(/grantSend needs an outbox with email/);

  const stack = new Stack(new App(), 'Bare');
  const bare = new Outbox(stack, 'Outbox', { logRetention: logs.RetentionDays.ONE_MONTH, purgeBatchSeconds: 30 });
  expect(() => bare.grantPurge(new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal() }))).toThrow(/grantPurge needs enablePurges first/);
  expect(() => Template.fromStack(stack)).toThrow(/An outbox needs email, enablePurges with a distribution, or enableSchedules/);
});
