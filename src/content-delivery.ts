import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { CONTRACT } from './contract';
import { suppressNagFindings } from './nag-suppressions';
import { invalid } from './validation';

const { viewerHostHeader, distributionDomainHeader, viewerAddressHeader, originVerifyHeader, trustedHeaders } = CONTRACT;

/**
 * Cookies that make a response personal: Django's session (a signed-in editor), its CSRF token (forms) and its
 * messages (a notice shown once).
 */
export const PERSONAL_COOKIES = ['sessionid', 'csrftoken', 'messages'];
/** Where WhiteNoise serves the collected static files (hashed names, cached for a year by WhiteNoise's headers). */
export const STATIC_PATH = '/static/*';
/** CloudFront waits this long for the origin (its maximum without a quota increase). */
export const ORIGIN_READ_TIMEOUT = Duration.seconds(60);

/**
 * The viewer-request function (cloudfront-js-2.0): drops the viewer's spellings of the trusted headers, then sets
 * the viewer's host, the distribution's own domain and the viewer's address from what CloudFront itself knows.
 * CloudFront keeps a few headers from edge functions altogether; whatever arrives, the app forces https on every
 * request that carries the origin secret, and drops every header whose name holds `_`.
 */
export const VIEWER_REQUEST_CODE = [
  `var TRUSTED = ${JSON.stringify(trustedHeaders)};`,
  'function handler(event) {',
  '  var request = event.request;',
  '  var headers = request.headers;',
  '  Object.keys(headers).forEach(function (name) {',
  "    if (TRUSTED.indexOf(name.toLowerCase().replace(/_/g, '-')) !== -1) {",
  '      delete headers[name];',
  '    }',
  '  });',
  `  headers['${viewerHostHeader}'] = { value: headers.host.value };`,
  `  headers['${distributionDomainHeader}'] = { value: event.context.distributionDomainName };`,
  `  headers['${viewerAddressHeader}'] = { value: event.viewer.ip };`,
  '  return request;',
  '}',
].join('\n');

export interface ContentDeliveryProps {
  /** The compute's own host name (App Runner's service domain or the Function URL's). */
  readonly originDomainName: string;
  /** The value CloudFront sends in `X-Origin-Verify` (resolved at deployment: see `CdnOriginSecret`). */
  readonly originSecret: string;
  /** The custom domain readers use. */
  readonly domainName?: string;
  /** A certificate in us-east-1 covering `domainName`. */
  readonly certificate?: acm.ICertificate;
  /** A zone holding `domainName`: its alias records, and the certificate's validation when none is given. */
  readonly hostedZone?: route53.IHostedZone;
  /** A CLOUDFRONT-scope web ACL to attach. */
  readonly webAclArn?: string;
}

/**
 * CloudFront in front of the compute: it caches what the app marks cacheable (anonymous pages, static files),
 * passes the admin and anything personal through uncached, compresses, and redirects http to https. A viewer-request
 * function carries the viewer's host in `x-viewer-host`; a derived secret in `X-Origin-Verify` lets the app trust
 * that header and refuse requests that did not come through the distribution. Pay per use: no monthly fee.
 */
export class ContentDelivery extends Construct {
  public readonly distribution: cloudfront.Distribution;
  /** The https URL readers use: the custom domain, else the distribution's domain. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ContentDeliveryProps) {
    super(scope, id);

    const origin = new origins.HttpOrigin(props.originDomainName, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      readTimeout: ORIGIN_READ_TIMEOUT,
      customHeaders: { [originVerifyHeader]: props.originSecret },
    });
    const viewerHost = new cloudfront.Function(this, 'ViewerHost', {
      comment: 'Sends the Wagtail CMS the viewer host, the distribution domain and the viewer address, and nothing spoofing them',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(VIEWER_REQUEST_CODE),
    });
    const functionAssociations = [{ function: viewerHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }];

    const pages = new cloudfront.CachePolicy(this, 'PagePolicy', {
      comment: 'Wagtail pages: cached as long as the app says, one copy per personal cookie',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      cookieBehavior: cloudfront.CacheCookieBehavior.allowList(...PERSONAL_COOKIES),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const dynamicBehavior: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: pages,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: true,
      functionAssociations,
    };
    const adminBehavior: cloudfront.BehaviorOptions = { ...dynamicBehavior, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED };
    const staticBehavior: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      compress: true,
    };

    const certificate = props.domainName ? props.certificate ?? this.validatedCertificate(props.domainName, props.hostedZone) : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Wagtail CMS',
      defaultBehavior: dynamicBehavior,
      additionalBehaviors: {
        ...Object.fromEntries(CONTRACT.adminPaths.map((path) => [`${path}*`, adminBehavior])),
        [STATIC_PATH]: staticBehavior,
      },
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
    });
    suppressNagFindings(this.distribution, [
      { id: 'AwsSolutions-CFR1', reason: 'A CMS for the public: no country is blocked unless its owner adds a restriction.' },
      { id: 'AwsSolutions-CFR3', reason: 'Access logs need a second bucket and cost per request; the app logs every request it serves.' },
      ...(props.webAclArn ? [] : [{ id: 'AwsSolutions-CFR2', reason: 'WAF costs about $7 a month, more than the idle site; it is one prop away (webApplicationFirewall).' }]),
      ...(certificate ? [] : [{
        id: 'AwsSolutions-CFR4',
        reason: 'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be chosen.',
      }]),
    ]);

    if (props.domainName && props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
      new route53.ARecord(this, 'AliasRecord', { zone: props.hostedZone, recordName: props.domainName, target });
      new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: props.domainName, target });
    }
    this.url = `https://${props.domainName ?? this.distribution.distributionDomainName}`;
  }

  /** A certificate for `domainName`, DNS-validated in `hostedZone`; CloudFront takes only us-east-1 certificates. */
  private validatedCertificate(domainName: string, hostedZone?: route53.IHostedZone): acm.ICertificate {
    const region = Stack.of(this).region;
    if (!hostedZone || Token.isUnresolved(region) || region !== 'us-east-1') {
      throw new Error(
        `domainName ${domainName} on CloudFront needs certificate (an ACM certificate in us-east-1 covering it), or hostedZone `
        + `in a stack whose env.region is us-east-1 (this stack: ${Token.isUnresolved(region) ? 'no explicit region' : region}); `
        + 'see README "Custom domain" for a stack in another region',
      );
    }
    return new acm.Certificate(this, 'Certificate', {
      domainName,
      validation: acm.CertificateValidation.fromDns(hostedZone),
    });
  }
}

/** Refuses a certificate whose ARN names a region other than us-east-1 (CloudFront's only certificate region). */
export function checkCloudFrontCertificate(certificate: acm.ICertificate): void {
  const arn = certificate.certificateArn;
  if (Token.isUnresolved(arn)) {
    return;
  }
  const region = arn.split(':')[3];
  if (region !== 'us-east-1') {
    invalid(`certificate must be an ACM certificate in us-east-1 for CloudFront; got one in ${region}: ${arn}`);
  }
}
