import * as fs from 'fs';
import * as path from 'path';
import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WagtailCompute, WebApplicationFirewall } from '../src';
import { lambdaStack, stackWith } from './fixtures/stacks';
import { outboxSenderOf } from './fixtures/templates';

describe('the Lambda compute', () => {
  const template = Template.fromStack(lambdaStack(new App()));
  const [functionId, fn] = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))[0];

  test('no App Runner at all', () => {
    template.resourceCountIs('AWS::AppRunner::Service', 0);
    template.resourceCountIs('AWS::AppRunner::VpcConnector', 0);
  });

  test('a container-image function from the construct repository, tagged by content, in the isolated subnets', () => {
    expect(JSON.stringify(fn.Properties.Code.ImageUri)).toMatch(/Repository.*:[0-9a-f]{64}"/);
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual([
      { Ref: expect.stringMatching(/VpcIsolatedSubnet1/) }, { Ref: expect.stringMatching(/VpcIsolatedSubnet2/) },
    ]);
    expect(fn.Properties).toEqual(expect.objectContaining({
      MemorySize: 1024, Timeout: 120, ReservedConcurrentExecutions: 20, EphemeralStorage: { Size: 10240 },
    }));
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 0);
  });

  test('the function waits for its image to be copied into the repository', () => {
    const resource = template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } })[functionId];
    expect(JSON.stringify(resource.DependsOn)).toMatch(/ImageCopy/);
  });

  test('an output names the operator path: the function\'s alias live, invoked directly with {"manage": [...]}', () => {
    const outputs = Object.entries(template.findOutputs('*')).filter(([id]) => id.includes('OperatorFunctionName'));
    expect(outputs).toHaveLength(1);
    const [, output] = outputs[0];
    expect(JSON.stringify(output.Value)).toMatch(new RegExp(`${functionId}.*:live|CmsLive`));
    expect(output.Description).toMatch(/aws lambda invoke --function-name <this> .*\{"manage": \["check"\]\}/);
  });

  test('secrets reach its environment as dynamic references, never as values or ARNs it would have to fetch', () => {
    const variables = fn.Properties.Environment.Variables;
    for (const name of ['DATABASE_SECRET']) {
      expect(JSON.stringify(variables[name])).toMatch(/\{\{resolve:secretsmanager:.*:SecretString:::\}\}/);
    }
    // Behind CloudFront no wildcard host or origin: the distribution's domain comes from its viewer function.
    expect(variables.DJANGO_ALLOWED_HOSTS).toBeUndefined();
    expect(variables.DJANGO_CSRF_TRUSTED_ORIGINS).toBeUndefined();
    expect(JSON.stringify(variables)).not.toMatch(/lambda-url|cloudfront\.net|\*/);
    expect(variables).toEqual(expect.objectContaining({
      EMAIL_OUTBOX_BUCKET: { Ref: expect.stringMatching(/OutboxBucket/) },
    }));
    expect(variables.SECRET_ENVIRONMENT_NAMES).toBe('DATABASE_SECRET');
    expect(variables.CDN_ORIGIN_SECRET).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/CdnOriginVerify/), 'Value'] });
    expect(variables.DJANGO_SUPERUSER_PASSWORD).toBeUndefined();
    expect(variables.DJANGO_SECRET_KEY).toBeUndefined();
    expect(variables.WEB_CONCURRENCY).toBeUndefined();
    expect(variables.PORT).toBeUndefined();
  });

  test('its role may not read secrets at run time: it has them already', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('FunctionServiceRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(JSON.stringify(statements)).not.toMatch(/secretsmanager:/);
    expect(JSON.stringify(statements)).toMatch(/MediaBucket/);
  });

  test('a public Function URL on the alias live, which moves only after the migrations ran on the new version', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Qualifier: 'live',
      TargetFunctionArn: { 'Fn::GetAtt': [functionId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE', Principal: '*' });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true });
    const [triggerId, trigger] = Object.entries(template.findResources('Custom::Trigger'))[0];
    expect(trigger.Properties.HandlerArn).toEqual({ Ref: expect.stringMatching(/^CmsFunctionCurrentVersion/) });
    expect(trigger.Properties).toEqual(expect.objectContaining({ InvocationType: 'RequestResponse', ExecuteOnHandlerChange: true, Timeout: '120000' }));
    expect(JSON.stringify(trigger.DependsOn)).toMatch(/DatabaseWriter/);
    const alias = Object.values(template.findResources('AWS::Lambda::Alias'))[0];
    expect(alias.DependsOn).toContain(triggerId);
  });

  test('the database admits the function security group', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DatabaseSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('FunctionSecurityGroup'), 'GroupId'] },
    });
  });

  test('its logs are kept for the stack log retention', () => {
    expect(JSON.stringify(fn.Properties.LoggingConfig)).toMatch(/CmsFunctionLogs/);
  });

  test('CloudFront fronts the Function URL: the distribution\'s origin is its host', () => {
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0];
    expect(JSON.stringify(distribution.Properties.DistributionConfig.Origins[0].DomainName)).toMatch(/Fn::Select.*FunctionUrl/);
  });
});

describe('Lambda options', () => {
  test('the connection budget counts one connection per concurrent request', () => {
    const { cms } = stackWith({ compute: WagtailCompute.lambdaFunction({ maxConcurrency: 50 }) }, new App());
    expect(cms.databaseConnectionsPerInstance).toBe(1);
    expect(cms.maxDatabaseConnections).toBe(50);
    expect(cms.webConcurrency).toBeUndefined();
    expect(() => stackWith({ compute: WagtailCompute.lambdaFunction({ maxConcurrency: 180 }), database: { maxCapacity: 1 } }, new App()))
      .toThrow(new RegExp('lambdaFunction\\.maxConcurrency \\(180\\) x 1 database connections per request = 180, more than the 179 connections.*' +
        'Lower lambdaFunction\\.maxConcurrency to at most 179'));
  });

  test('without a reservation neither the function nor the outbox sender has reserved concurrency', () => {
    const { stack } = stackWith({ compute: WagtailCompute.lambdaFunction({ reserveConcurrency: false }) }, new App());
    const template = Template.fromStack(stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))[0];
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(outboxSenderOf(template)[1].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test.each([
    [{ memorySize: 511 }, /lambdaFunction\.memorySize must be between 512 and 10240 MB \(inclusive\); got 511 MB/],
    [{ memorySize: 10241 }, /lambdaFunction\.memorySize must be between 512 and 10240 MB/],
    [{ maxConcurrency: 0 }, /lambdaFunction\.maxConcurrency must be between 1 and 1000 \(inclusive\); got 0/],
    [{ maxConcurrency: 1001 }, /lambdaFunction\.maxConcurrency must be between 1 and 1000/],
    [{ timeout: Duration.seconds(29) }, /lambdaFunction\.timeout must be between 30 and 900 s \(inclusive\); got 29 s/],
    [{ timeout: Duration.seconds(901) }, /lambdaFunction\.timeout must be between 30 and 900 s/],
  ])('refuses %p', (options, message) => {
    expect(() => stackWith({ compute: WagtailCompute.lambdaFunction(options) }, new App())).toThrow(message);
  });

  test('accepts the bounds', () => {
    const bounds = [
      { memorySize: 512, maxConcurrency: 1, timeout: Duration.seconds(30) },
      { memorySize: 10240, maxConcurrency: 100, timeout: Duration.minutes(15) },
    ];
    for (const options of bounds) {
      expect(() => stackWith({ compute: WagtailCompute.lambdaFunction(options) }, new App())).not.toThrow();
    }
  });

  test('without CloudFront, domainName and a firewall are refused: a Function URL takes neither', () => {
    const bare = { compute: WagtailCompute.lambdaFunction(), cdn: false };
    expect(() => stackWith({ ...bare, domainName: 'cms.example.org' }, new App()))
      .toThrow(/domainName needs CloudFront in front of the Lambda compute/);
    expect(() => stackWith({ ...bare, webApplicationFirewall: WebApplicationFirewall.managed() }, new App()))
      .toThrow(/webApplicationFirewall needs CloudFront in front of the Lambda compute/);
  });
});

test('the README idle-cost table shows the construct\'s own estimates: the default Lambda stack idles for $1.50 or less, App Runner for $7.50', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  const appRunner = stackWith({}, new App()).cms.estimatedIdleCostPerMonth;
  const lambdaCost = stackWith({ compute: WagtailCompute.lambdaFunction() }, new App()).cms.estimatedIdleCostPerMonth;
  expect(readme).toContain(`| **total while idle** | **$${appRunner.toFixed(2)}** | **$${lambdaCost.toFixed(2)}** |`);
  // The promise: CloudFront and the alarms on, at most $1.50 on Lambda and $7.50 on App Runner.
  expect(lambdaCost).toBeLessThanOrEqual(1.50);
  expect(appRunner).toBeLessThanOrEqual(7.50);
  // What CloudFront's origin secret ($0.40) and the alarms add is in the README's table.
  const bare = stackWith({ compute: WagtailCompute.lambdaFunction(), cdn: false, monitoring: { alarms: false } }, new App());
  expect(bare.cms.estimatedIdleCostPerMonth).toBe(0.62);
});

test('each stack creates as many Secrets Manager secrets as the README\'s idle-cost table counts', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  const [, count] = readme.match(/\| Secrets Manager, (\d+) secrets? /)!;
  const secrets = (props: object) => Object.keys(Template.fromStack(stackWith(props, new App()).stack)
    .findResources('AWS::SecretsManager::Secret')).length;
  for (const compute of [WagtailCompute.appRunner(), WagtailCompute.lambdaFunction()]) {
    expect(secrets({ compute })).toBe(Number(count));
    expect(secrets({ compute, cdn: false })).toBe(Number(count));
  }
});
