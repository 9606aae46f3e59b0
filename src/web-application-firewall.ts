import { Stack, Token } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { checkInteger, checkRange } from './validation';

/** The web ACL the construct creates. */
export interface ManagedWebAclOptions {
  /**
   * Sign-in attempts (POSTs to /admin/login/) one client IP address may make in 5 minutes before it is blocked,
   * 10-10,000.
   * @default 100
   */
  readonly loginRequestsPerFiveMinutes?: number;
}

/**
 * AWS WAF where the traffic enters: on CloudFront (a global web ACL, which AWS keeps in us-east-1) or, for App
 * Runner without a CDN, on the service (a regional web ACL). Costs about $7 a month plus $0.60 per million requests.
 */
export class WebApplicationFirewall {
  /**
   * A web ACL the construct creates: AWS's managed common rule set (its body-size and body cross-site-scripting
   * rules only count, since Wagtail's admin posts images and rich text) and a rate limit on the admin sign-in.
   * With CloudFront it needs a stack in us-east-1.
   */
  public static managed(options: ManagedWebAclOptions = {}): WebApplicationFirewall {
    return new WebApplicationFirewall(undefined, options);
  }

  /**
   * A web ACL you manage: CLOUDFRONT scope (created in us-east-1) with CloudFront, REGIONAL in the stack's region for
   * App Runner without a CDN.
   */
  public static fromWebAclArn(webAclArn: string): WebApplicationFirewall {
    return new WebApplicationFirewall(webAclArn, undefined);
  }

  private constructor(
    /** The given web ACL's ARN. @internal */
    public readonly _webAclArn: string | undefined,
    /** The options of the web ACL to create. @internal */
    public readonly _managedOptions: ManagedWebAclOptions | undefined,
  ) {}
}

/** The sign-in path the rate limit watches. */
export const ADMIN_LOGIN_PATH = '/admin/login/';

/** The web ACL's ARN: the given one, or one created here for `scope` ('CLOUDFRONT' or 'REGIONAL'). */
export function webAclArnFor(construct: Construct, firewall: WebApplicationFirewall, scope: 'CLOUDFRONT' | 'REGIONAL'): string {
  if (firewall._webAclArn !== undefined) {
    return firewall._webAclArn;
  }
  const limit = firewall._managedOptions?.loginRequestsPerFiveMinutes ?? 100;
  checkInteger('webApplicationFirewall.loginRequestsPerFiveMinutes', limit);
  checkRange('webApplicationFirewall.loginRequestsPerFiveMinutes', limit, 10, 10_000);
  const region = Stack.of(construct).region;
  if (scope === 'CLOUDFRONT' && (Token.isUnresolved(region) || region !== 'us-east-1')) {
    throw new Error(
      'webApplicationFirewall: WebApplicationFirewall.managed() on CloudFront needs a stack whose env.region is us-east-1 '
      + '(AWS keeps CloudFront web ACLs there); elsewhere give WebApplicationFirewall.fromWebAclArn() with a CLOUDFRONT-scope ACL',
    );
  }
  const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName,
  });
  const acl = new wafv2.CfnWebACL(construct, 'WebAcl', {
    scope,
    description: 'Wagtail CMS: AWS managed common rules and a sign-in rate limit',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('WagtailCms'),
    rules: [
      {
        name: 'AdminSignInRateLimit',
        priority: 0,
        action: { block: {} },
        visibilityConfig: visibility('AdminSignInRateLimit'),
        statement: {
          rateBasedStatement: {
            limit,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
            scopeDownStatement: {
              andStatement: {
                statements: [
                  {
                    byteMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      positionalConstraint: 'STARTS_WITH',
                      searchString: ADMIN_LOGIN_PATH,
                      textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                    },
                  },
                  {
                    byteMatchStatement: {
                      fieldToMatch: { method: {} },
                      positionalConstraint: 'EXACTLY',
                      searchString: 'POST',
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                ],
              },
            },
          },
        },
      },
      {
        name: 'AwsCommonRules',
        priority: 1,
        overrideAction: { none: {} },
        visibilityConfig: visibility('AwsCommonRules'),
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            ruleActionOverrides: ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'].map((name) => ({ name, actionToUse: { count: {} } })),
          },
        },
      },
    ],
  });
  return acl.attrArn;
}
