import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AppRunnerDomain } from './app-runner-domain';
import { ComputeResources } from './compute/compute-context';
import { ContentDelivery } from './content-delivery';
import { WagtailScaleToZeroProps } from './wagtail-scale-to-zero-props';
import { webAclArnFor } from './web-application-firewall';

/** What readers reach the site through. */
export interface FrontDoorParts {
  readonly props: WagtailScaleToZeroProps;
  /** The compute the front door leads to. */
  readonly compute: ComputeResources;
  /** @default - none on the Lambda compute */
  readonly service?: apprunner.CfnService;
  /** The value CloudFront sends in `X-Origin-Verify`; given exactly when CloudFront is in front. */
  readonly originSecret?: string;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The way in: CloudFront with its domain and firewall (when an origin secret is given), else the compute's own URL,
 * with the firewall associated to App Runner and App Runner's custom domain when asked for. Its resources are the
 * scope's own (ids `Cdn`, `WebAclAssociation`, `CustomDomain`).
 */
export function createFrontDoor(scope: Construct, parts: FrontDoorParts): { url: string; distribution?: cloudfront.Distribution } {
  const { props, service } = parts;
  if (parts.originSecret) {
    const delivery = new ContentDelivery(scope, 'Cdn', {
      originDomainName: parts.compute.domainName,
      originSecret: parts.originSecret,
      domainName: props.domainName,
      certificate: props.certificate,
      hostedZone: props.hostedZone,
      webAclArn: props.webApplicationFirewall ? webAclArnFor(scope, props.webApplicationFirewall, 'CLOUDFRONT') : undefined,
    });
    return { url: delivery.url, distribution: delivery.distribution };
  }
  if (props.webApplicationFirewall && service) {
    new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
      resourceArn: service.attrServiceArn,
      webAclArn: webAclArnFor(scope, props.webApplicationFirewall, 'REGIONAL'),
    });
  }
  if (props.domainName && props.hostedZone && service) {
    new AppRunnerDomain(scope, 'CustomDomain', { service, domainName: props.domainName, hostedZone: props.hostedZone, logRetention: parts.logRetention });
  }
  return { url: parts.compute.url };
}
