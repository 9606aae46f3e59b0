import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { WagtailCompute, WagtailImage, WagtailScaleToZero } from '../src';
import { ENV, defaultStack, stackWith } from './fixtures/stacks';
import { policyStatementsOf } from './fixtures/templates';

describe('the operator function of an App Runner stack', () => {
  const template = Template.fromStack(defaultStack(new App()));
  const operators = template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } });
  const [operatorId, operator] = Object.entries(operators)[0];

  test('is the one image function: the site\'s image, in the isolated subnets, with no URL', () => {
    expect(Object.keys(operators)).toHaveLength(1);
    expect(operator.Properties.VpcConfig.SubnetIds).toEqual([
      { Ref: expect.stringMatching(/VpcIsolatedSubnet1/) }, { Ref: expect.stringMatching(/VpcIsolatedSubnet2/) },
    ]);
    expect(operator.Properties).toEqual(expect.objectContaining({
      MemorySize: 2048, Timeout: 900, ReservedConcurrentExecutions: 2, EphemeralStorage: { Size: 10240 },
    }));
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
      .filter((p) => JSON.stringify(p.Properties.FunctionName).includes(operatorId));
    expect(permissions).toEqual([]);
  });

  test('pulls the image by its content tag, which the deployment copies beside the tag App Runner tracks', () => {
    expect(JSON.stringify(operator.Properties.Code.ImageUri)).toMatch(/Repository.*:[0-9a-f]{64}"/);
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    expect(JSON.stringify(service.Properties.SourceConfiguration.ImageRepository.ImageIdentifier)).toMatch(/:latest"/);
    const destinations = Object.values(template.findResources('Custom::CDKECRDeployment')).map((c) => JSON.stringify(c.Properties.DestImage));
    expect(destinations).toHaveLength(2);
    expect(destinations).toEqual(expect.arrayContaining([expect.stringMatching(/:latest"/), expect.stringMatching(/:[0-9a-f]{64}"/)]));
    const resource = template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } })[operatorId];
    expect(JSON.stringify(resource.DependsOn)).toMatch(/ContentTagCopy/);
  });

  test('has the site\'s environment, with its secrets as dynamic references (no Secrets Manager from the VPC)', () => {
    const variables = operator.Properties.Environment.Variables;
    for (const name of ['DATABASE_SECRET']) {
      expect(JSON.stringify(variables[name])).toMatch(/\{\{resolve:secretsmanager:.*:SecretString:::\}\}/);
    }
    expect(variables.SECRET_ENVIRONMENT_NAMES).toBe('DATABASE_SECRET');
    expect(variables.CDN_ORIGIN_SECRET).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/CdnOriginVerify/), 'Value'] });
    expect(variables).toEqual(expect.objectContaining({
      AWS_STORAGE_BUCKET_NAME: { Ref: expect.stringMatching(/MediaBucket/) },
      PAGE_CACHE_BUCKET: { Ref: expect.stringMatching(/PageCacheBucket/) },
      CDN_PURGE_OUTBOX_BUCKET: { Ref: expect.stringMatching(/OutboxBucket/) },
    }));
    expect(variables.WEB_CONCURRENCY).toBeUndefined();
  });

  test('its role has the site\'s grants (media, page cache, purges) and no Secrets Manager rights', () => {
    const roleId = operator.Properties.Role['Fn::GetAtt'][0];
    const statements = JSON.stringify(policyStatementsOf(template, roleId));
    expect(statements).toMatch(/MediaBucket/);
    expect(statements).toMatch(/PageCacheBucket/);
    expect(statements).toMatch(/OutboxBucket/);
    expect(statements).not.toMatch(/secretsmanager/);
  });

  test('the database admits it', () => {
    const groupId = operator.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'The operator function of the Wagtail CMS',
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
      FromPort: { 'Fn::GetAtt': [Match.stringLikeRegexp('Database'), 'Endpoint.Port'] },
    });
  });

  test('an output names it, with the raw invoke call', () => {
    const output = Object.entries(template.findOutputs('*')).find(([id]) => id.includes('OperatorFunctionName'))!;
    expect(output[1].Value).toEqual({ Ref: operatorId });
    expect(output[1].Description).toMatch(/aws lambda invoke --function-name <this>/);
  });
});

test('a site function and the operator share a role only on the Lambda compute', () => {
  const appRunner = stackWith({}).cms;
  expect(appRunner.operatorFunction.role).not.toBe(appRunner.grantPrincipal);
  const lambdaCompute = stackWith({ compute: WagtailCompute.lambdaFunction() }).cms;
  expect(lambdaCompute.operatorFunction.role).toBe(lambdaCompute.grantPrincipal);
});

test('an image from the user\'s own repository: the operator resolves its tag at deployment, and nothing is copied', () => {
  const stack = new Stack(new App(), 'Own', { env: ENV });
  const repository = ecr.Repository.fromRepositoryName(stack, 'OwnRepository', 'own-site');
  new WagtailScaleToZero(stack, 'Cms', { image: WagtailImage.fromEcrRepository(repository, 'v42') });
  const template = Template.fromStack(stack);
  template.resourceCountIs('Custom::CDKECRDeployment', 0);
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }));
  expect(JSON.stringify(fn.Properties.Code.ImageUri)).toMatch(/own-site:v42/);
});

test('neither function gets what only gunicorn and its pool read', () => {
  for (const compute of [undefined, WagtailCompute.lambdaFunction()]) {
    const template = Template.fromStack(stackWith(compute ? { compute } : {}).stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }));
    expect(fn.Properties.Environment.Variables).toEqual(expect.objectContaining({ DATABASE_CONNECT_TIMEOUT: '30' }));
    expect(fn.Properties.Environment.Variables.GUNICORN_THREADS).toBeUndefined();
    expect(fn.Properties.Environment.Variables.DATABASE_POOL_MAX_IDLE).toBeUndefined();
  }
  const service = Object.values(Template.fromStack(stackWith({}).stack).findResources('AWS::AppRunner::Service'))[0];
  const names = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentVariables.map((v: any) => v.Name);
  expect(names).toEqual(expect.arrayContaining(['GUNICORN_THREADS', 'DATABASE_POOL_MAX_IDLE']));
});
