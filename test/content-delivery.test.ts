import * as vm from 'vm';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { WagtailCompute, WagtailImage, WagtailScaleToZero, WagtailScaleToZeroProps, WebApplicationFirewall } from '../src';
import { CERTIFICATE_ARN, customizedStack, stackWith, TEST_IMAGE_DIRECTORY, WEB_ACL_ARN } from './fixtures/stacks';

/** The single distribution's config in a template. */
function distributionConfig(template: Template): any {
  const distributions = Object.values(template.findResources('AWS::CloudFront::Distribution'));
  expect(distributions).toHaveLength(1);
  return distributions[0].Properties.DistributionConfig;
}

/** A stack in us-east-1, where the construct may create CloudFront's certificate and web ACL itself. */
function usEast1Stack(props: WagtailScaleToZeroProps): Template {
  const stack = new Stack(new App(), 'Virginia', { env: { account: '123456789012', region: 'us-east-1' } });
  new WagtailScaleToZero(stack, 'Cms', { image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY), ...props });
  return Template.fromStack(stack);
}

describe('CloudFront in front, by default', () => {
  const template = Template.fromStack(stackWith({}, new App()).stack);
  const config = distributionConfig(template);
  const behaviors: any[] = config.CacheBehaviors;
  const byPath = (pattern: string) => behaviors.find((b) => b.PathPattern === pattern);
  const policyOf = (id: string) => template.findResources('AWS::CloudFront::CachePolicy')[id].Properties.CachePolicyConfig;

  test('one HTTPS-only origin, the App Runner service, with the origin secret in X-Origin-Verify', () => {
    expect(config.Origins).toHaveLength(1);
    const origin = config.Origins[0];
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Service/), 'ServiceUrl'] });
    expect(origin.CustomOriginConfig).toEqual(expect.objectContaining({
      OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'], OriginReadTimeout: 60,
    }));
    expect(origin.OriginCustomHeaders).toEqual([{
      HeaderName: 'x-origin-verify',
      HeaderValue: { 'Fn::GetAtt': [expect.stringMatching(/CdnOriginVerify/), 'Value'] },
    }]);
  });

  test('viewers are redirected to https and every response is compressed', () => {
    for (const behavior of [config.DefaultCacheBehavior, ...behaviors]) {
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(behavior.Compress).toBe(true);
    }
    expect(config.HttpVersion).toBe('http2and3');
  });

  test('pages: cached as long as the app says, a copy per session, CSRF or messages cookie, all methods, the viewer host carried', () => {
    const page = config.DefaultCacheBehavior;
    expect(page.AllowedMethods).toHaveLength(7);
    const policy = policyOf(page.CachePolicyId.Ref);
    expect(policy).toEqual(expect.objectContaining({ DefaultTTL: 0, MinTTL: 0, MaxTTL: 31536000 }));
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin).toEqual(expect.objectContaining({
      CookiesConfig: { CookieBehavior: 'whitelist', Cookies: ['sessionid', 'csrftoken', 'messages'] },
      QueryStringsConfig: { QueryStringBehavior: 'all' },
      HeadersConfig: { HeaderBehavior: 'none' },
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
    }));
    // The managed AllViewerExceptHostHeader policy: App Runner and Function URLs route on their own Host.
    expect(page.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    expect(page.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/ViewerHost/), 'FunctionARN'] } }]);
  });

  test('the viewer-request function sends the viewer host, the distribution domain and the viewer address, and drops every spoof of them', () => {
    const fn = Object.values(template.findResources('AWS::CloudFront::Function'))[0];
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    const handler = vm.runInNewContext(`${fn.Properties.FunctionCode}\nhandler`);
    const spoofs = ['x_viewer_host', 'x-viewer_host', 'x_distribution_domain', 'x-distribution-domain', 'x_viewer_address', 'x-viewer-address',
      'x_origin_verify', 'x_forwarded_proto', 'x_forwarded_port', 'x-forwarded-port', 'x_forwarded_host', 'x-forwarded-host', 'forwarded', 'X_Viewer_Host'];
    const headers: Record<string, { value: string }> = {
      host: { value: 'cms.example.com' },
      accept: { value: 'text/html' },
      x_custom: { value: 'kept' },
      ...Object.fromEntries(spoofs.map((name) => [name, { value: 'evil.example' }])),
    };
    const request = handler({
      version: '1.0',
      context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', eventType: 'viewer-request' },
      viewer: { ip: '198.51.100.7' },
      request: { method: 'GET', uri: '/', querystring: {}, headers, cookies: {} },
    });
    expect(request.headers).toEqual({
      'host': { value: 'cms.example.com' },
      'accept': { value: 'text/html' },
      'x_custom': { value: 'kept' },
      'x-viewer-host': { value: 'cms.example.com' },
      'x-distribution-domain': { value: 'd111111abcdef8.cloudfront.net' },
      'x-viewer-address': { value: '198.51.100.7' },
    });
  });

  test('the admin is never cached and passes through whole', () => {
    for (const path of ['/admin/*', '/django-admin/*']) {
      const admin = byPath(path);
      expect(admin.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // managed CachingDisabled
      expect(admin.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
      expect(admin.AllowedMethods).toHaveLength(7);
      expect(admin.FunctionAssociations).toHaveLength(1);
    }
  });

  test('static files: cached without cookies, GET and HEAD only', () => {
    const statics = byPath('/static/*');
    expect(statics.CachePolicyId).toBe('658327ea-f89d-4fab-a63d-7e88639e58f6'); // managed CachingOptimized
    expect(statics.AllowedMethods).toEqual(['GET', 'HEAD']);
  });

  test('no custom domain, no firewall, no records by default', () => {
    expect(config.Aliases).toBeUndefined();
    expect(config.WebACLId).toBeUndefined();
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  test('the service URL is the distribution\'s, the origin URL the service\'s own', () => {
    const { stack, cms } = stackWith({}, new App());
    expect(stack.resolve(cms.serviceUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/Distribution/), 'DomainName'] }]] });
    expect(stack.resolve(cms.originUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/Service/), 'ServiceUrl'] }]] });
    expect(cms.distribution).toBeDefined();
  });
});

describe('the custom domain on CloudFront', () => {
  test('a given certificate and zone: the domain on the distribution, TLS 1.2, alias records for IPv4 and IPv6', () => {
    const template = Template.fromStack(customizedStack(new App()));
    const config = distributionConfig(template);
    expect(config.Aliases).toEqual(['cms.example.com']);
    expect(config.ViewerCertificate).toEqual({ AcmCertificateArn: CERTIFICATE_ARN, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'cms.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: { DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('Distribution'), 'DomainName'] }, HostedZoneId: Match.anyValue() },
      });
    }
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  test('a zone alone in us-east-1: the construct makes the certificate, DNS-validated in the zone', () => {
    const template = usEast1Stack({
      domainName: 'cms.example.com',
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(new Stack(), 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' }),
    });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'cms.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'cms.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    expect(distributionConfig(template).ViewerCertificate.AcmCertificateArn).toEqual({ Ref: expect.stringMatching(/Certificate/) });
  });

  test('a zone alone outside us-east-1, or neither certificate nor zone, is refused with the way out', () => {
    const zone = route53.HostedZone.fromHostedZoneAttributes(new Stack(), 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    expect(() => stackWith({ domainName: 'cms.example.com', hostedZone: zone }, new App()))
      .toThrow(/domainName cms\.example\.com on CloudFront needs certificate .*us-east-1.*this stack: eu-west-3/);
    expect(() => stackWith({ domainName: 'cms.example.com' }, new App())).toThrow(/needs certificate/);
  });

  test('a certificate outside us-east-1 is refused', () => {
    const certificate = acm.Certificate.fromCertificateArn(new Stack(), 'C', CERTIFICATE_ARN.replace('us-east-1', 'eu-west-3'));
    expect(() => stackWith({ domainName: 'cms.example.com', certificate }, new App()))
      .toThrow(/certificate must be an ACM certificate in us-east-1 for CloudFront; got one in eu-west-3/);
  });

  test('a certificate or zone without domainName is refused', () => {
    const certificate = acm.Certificate.fromCertificateArn(new Stack(), 'C', CERTIFICATE_ARN);
    expect(() => stackWith({ certificate }, new App())).toThrow(/certificate and hostedZone are for domainName/);
  });
});

describe('the web application firewall', () => {
  test('a given web ACL is attached to the distribution and none is created', () => {
    const template = Template.fromStack(customizedStack(new App()));
    expect(distributionConfig(template).WebACLId).toBe(WEB_ACL_ARN);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('a managed one in us-east-1: CLOUDFRONT scope, AWS common rules (body rules only counting), a sign-in rate limit', () => {
    const template = usEast1Stack({ webApplicationFirewall: WebApplicationFirewall.managed({ loginRequestsPerFiveMinutes: 50 }) });
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.Scope).toBe('CLOUDFRONT');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const [rateRule, commonRule] = acl.Rules;
    expect(rateRule.Action).toEqual({ Block: {} });
    expect(rateRule.Statement.RateBasedStatement).toEqual(expect.objectContaining({ Limit: 50, EvaluationWindowSec: 300, AggregateKeyType: 'IP' }));
    expect(JSON.stringify(rateRule.Statement.RateBasedStatement.ScopeDownStatement)).toMatch(/"SearchString":"\/admin\/login\/".*"SearchString":"POST"/);
    expect(commonRule.Statement.ManagedRuleGroupStatement).toEqual(expect.objectContaining({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesCommonRuleSet',
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }, { Name: 'CrossSiteScripting_BODY', ActionToUse: { Count: {} } }],
    }));
    expect(distributionConfig(template).WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/WebAcl/), 'Arn'] });
  });

  test('a managed one on CloudFront outside us-east-1 is refused with the way out', () => {
    expect(() => stackWith({ webApplicationFirewall: WebApplicationFirewall.managed() }, new App()))
      .toThrow(/WebApplicationFirewall\.managed\(\) on CloudFront needs a stack whose env\.region is us-east-1.*fromWebAclArn/);
  });

  test('out of range sign-in limits are refused', () => {
    expect(() => usEast1Stack({ webApplicationFirewall: WebApplicationFirewall.managed({ loginRequestsPerFiveMinutes: 5 }) }))
      .toThrow(/webApplicationFirewall\.loginRequestsPerFiveMinutes must be between 10 and 10,?000/);
  });

  test('App Runner without a CDN: a REGIONAL web ACL associated with the service', () => {
    const template = Template.fromStack(stackWith({ cdn: false, webApplicationFirewall: WebApplicationFirewall.managed() }, new App()).stack);
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Service'), 'ServiceArn'] },
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
    });
  });
});

describe('cdn: false', () => {
  const { stack, cms } = stackWith({ cdn: false, compute: WagtailCompute.appRunner() }, new App());
  const template = Template.fromStack(stack);

  test('no distribution, no origin secret; readers use the service URL', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('Custom::CdnOriginSecret', 0);
    expect(cms.distribution).toBeUndefined();
    expect(stack.resolve(cms.serviceUrl)).toEqual(stack.resolve(cms.originUrl));
  });

  test('the app is told nothing about CloudFront', () => {
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    const config = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration;
    expect(JSON.stringify(config)).not.toMatch(/cloudfront|CDN_ORIGIN_SECRET|CDN_PURGE_OUTBOX_BUCKET/);
  });

  test('a certificate without CloudFront is refused (App Runner makes its own)', () => {
    const certificate = acm.Certificate.fromCertificateArn(new Stack(), 'C', CERTIFICATE_ARN);
    expect(() => stackWith({ cdn: false, domainName: 'cms.example.com', certificate }, new App()))
      .toThrow(/certificate serves the custom domain on CloudFront; without it App Runner makes its own/);
  });

  test('a zone is taken on App Runner (it associates the domain), refused on Lambda and without domainName', () => {
    const zone = route53.HostedZone.fromHostedZoneAttributes(new Stack(), 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    expect(() => stackWith({ cdn: false, domainName: 'cms.example.com', hostedZone: zone }, new App())).not.toThrow();
    expect(() => stackWith({ cdn: false, compute: WagtailCompute.lambdaFunction(), domainName: 'cms.example.com', hostedZone: zone }, new App()))
      .toThrow(/hostedZone serves the custom domain on CloudFront, which the Lambda compute needs/);
    expect(() => stackWith({ cdn: false, hostedZone: zone }, new App())).toThrow(/hostedZone is for domainName/);
  });
});
