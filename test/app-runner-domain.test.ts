import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WagtailCompute, WagtailScaleToZeroProps } from '../src';
import { customizedStack, stackWith } from './fixtures/stacks';

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';

/** A zone the user already has, as `HostedZone.fromHostedZoneAttributes` gives it. */
function zone(zoneName = 'example.com'): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(new Stack(), 'Zone', { hostedZoneId: ZONE_ID, zoneName });
}

/** App Runner without CloudFront, serving cms.example.com from the zone example.com. */
const DOMAIN_ON_APP_RUNNER: WagtailScaleToZeroProps = { cdn: false, domainName: 'cms.example.com', hostedZone: zone() };

/** The one statement allowing `action` in the policies of the role whose logical id matches `roleId`. */
function statementFor(template: Template, roleId: RegExp, action: string): any {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => roleId.test(r.Ref)));
  const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
  const matching = statements.filter((s) => [s.Action].flat().includes(action));
  expect(matching).toHaveLength(1);
  return matching[0];
}

describe('the custom domain on App Runner without CloudFront', () => {
  const { stack, cms } = stackWith(DOMAIN_ON_APP_RUNNER, new App());
  const template = Template.fromStack(stack);

  test('one custom resource names the service, the domain and the zone', () => {
    template.resourceCountIs('Custom::AppRunnerCustomDomain', 1);
    template.hasResourceProperties('Custom::AppRunnerCustomDomain', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('CustomDomainProviderframeworkonEvent'), 'Arn'] },
      ServiceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Service'), 'ServiceArn'] },
      DomainName: 'cms.example.com',
      HostedZoneId: ZONE_ID,
    });
  });

  test('its handlers: the packaged Node.js 24 code, onEvent and isComplete, asked every 30 seconds for up to an hour', () => {
    for (const entryPoint of ['index.onEvent', 'index.isComplete']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: entryPoint,
        Runtime: 'nodejs24.x',
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('CustomDomainHandlerRole'), 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('CustomDomainLogs') } },
      });
    }
    const waiter = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(JSON.stringify(waiter.Properties.DefinitionString)).toMatch(/\\"IntervalSeconds\\":30,\\"MaxAttempts\\":120/);
  });

  test('App Runner rights on this service only', () => {
    expect(statementFor(template, /CustomDomainHandlerRole/, 'apprunner:AssociateCustomDomain')).toEqual({
      Effect: 'Allow',
      Action: ['apprunner:AssociateCustomDomain', 'apprunner:DisassociateCustomDomain', 'apprunner:DescribeCustomDomains'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/Service/), 'ServiceArn'] },
    });
  });

  test('Route 53: UPSERT and DELETE of CNAMEs named the domain or under it, in this zone only', () => {
    expect(statementFor(template, /CustomDomainHandlerRole/, 'route53:ChangeResourceRecordSets')).toEqual({
      Effect: 'Allow',
      Action: 'route53:ChangeResourceRecordSets',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::hostedzone/${ZONE_ID}`]] },
      Condition: {
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['cms.example.com', '*.cms.example.com'] },
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
        },
      },
    });
  });

  test('the handlers may write their logs, and nothing else', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => /CustomDomainHandlerRole/.test(r.Ref)));
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual([
      'apprunner:AssociateCustomDomain', 'apprunner:DescribeCustomDomains', 'apprunner:DisassociateCustomDomain',
      'logs:CreateLogStream', 'logs:PutLogEvents', 'route53:ChangeResourceRecordSets',
    ]);
    const role = Object.values(template.findResources('AWS::IAM::Role')).find((r) => /Associates the Wagtail CMS domain/.test(r.Properties.Description));
    expect(role!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('no distribution; the service URL stays the service\'s own (the certificate validates after the deployment)', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(stack.resolve(cms.serviceUrl)).toEqual(stack.resolve(cms.originUrl));
  });
});

describe('no custom resource', () => {
  test.each([
    ['without a zone', () => stackWith({ cdn: false, domainName: 'cms.example.com' }, new App()).stack],
    ['without a domain', () => stackWith({ cdn: false }, new App()).stack],
    ['with CloudFront (the zone gets its alias records)', () => customizedStack(new App())],
  ] as Array<[string, () => Stack]>)('%s', (_name, build) => {
    const template = Template.fromStack(build());
    template.resourceCountIs('Custom::AppRunnerCustomDomain', 0);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
  });
});

describe('refused at synth', () => {
  test('a zone on Lambda without CloudFront', () => {
    expect(() => stackWith({ compute: WagtailCompute.lambdaFunction(), cdn: false, domainName: 'cms.example.com', hostedZone: zone() }, new App()))
      .toThrow(/hostedZone serves the custom domain on CloudFront, which the Lambda compute needs/);
  });

  test('a zone without a domain name', () => {
    expect(() => stackWith({ cdn: false, hostedZone: zone() }, new App())).toThrow(/hostedZone is for domainName/);
  });

  test('the zone\'s apex (no CNAME there), or a domain outside the zone', () => {
    expect(() => stackWith({ cdn: false, domainName: 'example.com', hostedZone: zone() }, new App()))
      .toThrow(/domainName example\.com is the apex of hostedZone example\.com, where a CNAME cannot be/);
    expect(() => stackWith({ cdn: false, domainName: 'cms.example.org', hostedZone: zone() }, new App()))
      .toThrow(/domainName cms\.example\.org is not in hostedZone example\.com/);
  });

  test('a zone known by id only cannot be checked, and is taken', () => {
    const byId = route53.HostedZone.fromHostedZoneId(new Stack(), 'Zone', ZONE_ID);
    const template = Template.fromStack(stackWith({ cdn: false, domainName: 'cms.example.com', hostedZone: byId }, new App()).stack);
    template.resourceCountIs('Custom::AppRunnerCustomDomain', 1);
  });
});

describe('cdk-nag AwsSolutions on App Runner with its custom domain', () => {
  const app = new App();
  const { stack } = stackWith(DOMAIN_ON_APP_RUNNER, app);
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();

  test('no unsuppressed errors or warnings', () => {
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).split(':')[0]}`)).toEqual([]);
  });

  test('the custom domain\'s suppressions sit on its own resources, each with a reason', () => {
    const template = app.synth().getStackByName(stack.stackName).template;
    const suppressed = Object.entries(template.Resources as Record<string, any>)
      .filter(([, r]) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).some((s: any) => /Provider framework/.test(s.reason)));
    expect(suppressed.length).toBeGreaterThan(0);
    for (const [id, resource] of suppressed) {
      expect(id).toMatch(/^CmsCustomDomain/);
      for (const suppression of resource.Metadata.cdk_nag.rules_to_suppress) {
        expect(suppression.reason.length).toBeGreaterThan(40);
      }
    }
  });
});
