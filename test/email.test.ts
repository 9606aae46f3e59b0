import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WagtailScaleToZeroProps } from '../src';
import { stackWith } from './fixtures/stacks';
import { outboxSenderOf, policyStatementsOf } from './fixtures/templates';

function templateWith(props: WagtailScaleToZeroProps): Template {
  return Template.fromStack(stackWith(props, new App()).stack);
}

describe('email', () => {
  // Without CloudFront, the outbox carries email and the publishing schedule (test/outbox.test.ts covers email and
  // purges together, test/publishing-schedule.test.ts the schedule).
  const template = templateWith({ email: { fromAddress: 'cms@example.org' }, adminEmail: 'editor@example.org', cdn: false });
  const [senderId, sender] = outboxSenderOf(template);

  test('the sender runs outside the VPC and is told the only address it may send as', () => {
    expect(sender.Properties.VpcConfig).toBeUndefined();
    expect(sender.Properties.Environment.Variables).toEqual(expect.objectContaining({ EMAIL_FROM_ADDRESS: 'cms@example.org' }));
    expect(Object.keys(sender.Properties.Environment.Variables).filter((name) => !name.startsWith('SCHEDULE_'))).toEqual(['EMAIL_FROM_ADDRESS']);
  });

  test('its SES permission is SendRawEmail from the configured address only, on the address or its domain identity', () => {
    const statements = policyStatementsOf(template, sender.Properties.Role['Fn::GetAtt'][0]);
    const ses = statements.filter((s) => JSON.stringify(s.Action).includes('ses:'));
    expect(ses).toHaveLength(1);
    expect(ses[0].Action).toBe('ses:SendRawEmail');
    expect(ses[0].Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'cms@example.org' } });
    const resources = JSON.stringify(ses[0].Resource);
    expect(resources).toMatch(/identity\/cms@example\.org"/);
    expect(resources).toMatch(/identity\/example\.org"/);
    expect(ses[0].Resource).toHaveLength(2);
  });

  test('it may read and delete messages under email/ and schedule/ of the outbox, list that bucket, and nothing else in S3', () => {
    const s3 = policyStatementsOf(template, sender.Properties.Role['Fn::GetAtt'][0]).filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toHaveLength(3);
    for (const [statement, prefix] of [[s3[0], 'email'], [s3[2], 'schedule']]) {
      expect(statement.Action).toEqual(['s3:GetObject', 's3:DeleteObject']);
      expect(JSON.stringify(statement.Resource)).toMatch(new RegExp(`OutboxBucket.*/${prefix}/\\*`));
    }
    expect(s3[1]).toEqual(expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CmsOutboxBucket/), 'Arn'] } }));
  });

  test('the bucket notifies the sender of new objects under the email/ and schedule/ prefixes only', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: ['email/', 'schedule/'].map((prefix) => ({
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          LambdaFunctionArn: { 'Fn::GetAtt': [senderId, 'Arn'] },
        })),
      },
    });
  });

  test('failed sends are retried twice, then land in an encrypted queue that is output for alarms', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: senderId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('OutboxFailureQueue'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const outputs = Object.values(template.findOutputs('*')).map((o) => JSON.stringify(o.Value));
    expect(outputs.some((o) => /OutboxFailureQueue/.test(o))).toBe(true);
  });

  test('the sender keeps its logs for the stack log retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(JSON.stringify(sender.Properties.LoggingConfig)).toMatch(/OutboxSenderLogs/);
  });

  test('the outbox bucket is private, TLS only, encrypted, and forgets messages after 14 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: Match.anyValue(),
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 14, Status: 'Enabled' }] },
    });
  });

  test('the app may only put messages under email/ (and schedule requests), and learns the bucket and the From address', () => {
    const statements = policyStatementsOf(template, 'InstanceRole');
    const outbox = statements.filter((s) => JSON.stringify(s.Resource).includes('OutboxBucket'));
    expect(outbox.map((s) => s.Action)).toEqual(['s3:PutObject', 's3:PutObject']);
    expect(outbox.map((s) => JSON.stringify(s.Resource).match(/\/(\w+)\/\*/)![1]).sort()).toEqual(['email', 'schedule']);
    template.hasResourceProperties('AWS::AppRunner::Service', {
      SourceConfiguration: {
        ImageRepository: {
          ImageConfiguration: {
            RuntimeEnvironmentVariables: Match.arrayWith([
              { Name: 'EMAIL_OUTBOX_BUCKET', Value: { Ref: Match.stringLikeRegexp('OutboxBucket') } },
              { Name: 'DJANGO_DEFAULT_FROM_EMAIL', Value: 'cms@example.org' },
            ]),
          },
        },
      },
    });
  });
});

test('a given identity is the only one the sender may use', () => {
  const template = templateWith({ email: { fromAddress: 'cms@mail.example.org', identity: 'example.org' }, adminEmail: 'editor@example.org' });
  const [, sender] = outboxSenderOf(template);
  const ses = policyStatementsOf(template, sender.Properties.Role['Fn::GetAtt'][0]).filter((s) => JSON.stringify(s.Action).includes('ses:'));
  expect(JSON.stringify(ses[0].Resource)).toMatch(/identity\/example\.org"/);
  expect(JSON.stringify(ses[0].Resource)).not.toMatch(/identity\/cms@/);
});

test.each([
  [{ fromAddress: 'not an address' }, /email\.fromAddress must be an email address such as cms@example\.org; got 'not an address'/],
  [{ fromAddress: 'cms@example.org', identity: 'other.org' }, /email\.identity must be email\.fromAddress \(cms@example\.org\), its domain \(example\.org\) or a parent domain of it; got 'other\.org'/],
  [{ fromAddress: 'cms@example.org', identity: 'ple.org' }, /email\.identity must be/],
])('refuses email %p', (email, message) => {
  expect(() => stackWith({ email, adminEmail: 'editor@example.org' }, new App())).toThrow(message);
});

test('email needs adminEmail: the first administrator\'s password resets would go to a made-up address', () => {
  expect(() => stackWith({ email: { fromAddress: 'cms@example.org' } }, new App()))
    .toThrow(/adminEmail is required with email: the first administrator's password-reset emails go there/);
  expect(() => stackWith({ email: { fromAddress: 'cms@example.org' }, adminEmail: 'nobody' }, new App()))
    .toThrow(/adminEmail must be an email address such as you@example\.org; got 'nobody'/);
});

test('without email and adminEmail the first administrator has no address', () => {
  const template = Template.fromStack(stackWith({ cdn: false }).stack);
  const services = Object.values(template.findResources('AWS::AppRunner::Service'));
  expect(JSON.stringify(services)).not.toMatch(/DJANGO_SUPERUSER_EMAIL/);
});
