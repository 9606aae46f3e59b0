import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { EnvironmentSecret } from '../src';
import { customizedStack, stackWith } from './fixtures/stacks';

describe('environmentSecrets', () => {
  const template = Template.fromStack(customizedStack(new App()));
  const config = Object.values(template.findResources('AWS::AppRunner::Service'))[0].Properties.SourceConfiguration.ImageRepository.ImageConfiguration;

  test('reach the container as runtime secrets: one JSON field of a secret, an SSM parameter', () => {
    const secrets = Object.fromEntries(config.RuntimeEnvironmentSecrets.map((s: any) => [s.Name, s.Value]));
    expect(secrets.PAYMENT_API_KEY).toEqual({ 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^PaymentApi/) }, ':apiKey::']] });
    expect(JSON.stringify(secrets.NEWSLETTER_TOKEN)).toMatch(/:parameter\/cms\/newsletter-token/);
    const plain = config.RuntimeEnvironmentVariables.map((v: any) => v.Name);
    expect(plain).not.toContain('PAYMENT_API_KEY');
    expect(plain).not.toContain('NEWSLETTER_TOKEN');
  });

  test('the instance role may read exactly those, besides its own secret, the database one', () => {
    const statements: any[] = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('InstanceRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const secretReads = statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'));
    expect(secretReads.map((s) => JSON.stringify(s.Resource)).sort()).toEqual([
      expect.stringMatching(/DatabaseSecret/),
      expect.stringMatching(/PaymentApi/),
    ]);
    const parameterReads = statements.filter((s) => JSON.stringify(s.Action).includes('ssm:GetParameter'));
    expect(parameterReads).toHaveLength(1);
    expect(JSON.stringify(parameterReads[0].Resource)).toMatch(/:parameter\/cms\/newsletter-token"/);
  });
});

test('names the construct sets, or names also in environment, are refused', () => {
  const parameter = EnvironmentSecret.fromSsmParameter(ssm.StringParameter.fromStringParameterName(new Stack(), 'P', '/x'));
  expect(() => stackWith({ environmentSecrets: { DATABASE_SECRET: parameter } }, new App()))
    .toThrow(/environmentSecrets may not set DATABASE_SECRET: the construct sets these itself/);
  expect(() => stackWith({ environment: { API_KEY: 'x' }, environmentSecrets: { API_KEY: parameter } }, new App()))
    .toThrow(/API_KEY may be set in environment or in environmentSecrets, not in both/);
});

test('an empty or colon-bearing JSON field is refused', () => {
  const secret = secretsmanager.Secret.fromSecretNameV2(new Stack(), 'S', 'name');
  expect(() => EnvironmentSecret.fromSecretsManager(secret, '')).toThrow(/field must be a non-empty JSON key without ':'; got ''/);
  expect(() => EnvironmentSecret.fromSecretsManager(secret, 'a:b')).toThrow(/got 'a:b'/);
});

test('a site may bring its own SECRET_KEY and first admin password, from a secret store', () => {
  const { stack } = stackWith({
    environmentSecrets: {
      DJANGO_SECRET_KEY: EnvironmentSecret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(new Stack(), 'K', 'cms/key')),
      DJANGO_SUPERUSER_PASSWORD: EnvironmentSecret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(new Stack(), 'P', 'cms/admin')),
    },
  }, new App());
  const service = Object.values(Template.fromStack(stack).findResources('AWS::AppRunner::Service'))[0];
  const names = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentSecrets.map((s: any) => s.Name);
  expect(names).toEqual(expect.arrayContaining(['DJANGO_SECRET_KEY', 'DJANGO_SUPERUSER_PASSWORD']));
});
