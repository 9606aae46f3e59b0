import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { createAppRunnerService } from './app-runner';
import { ComputeContext, ComputeResources } from './compute-context';
import { createLambdaFunction } from './lambda-function';
import { createOperatorFunction } from './operator-function';
import { ComputeKind } from '../contract';
import { ComputeSettings } from '../settings';

/** A principal that runs the site's code: the database admits it, and it gets the site's grants. */
export interface SiteIdentity {
  readonly role: iam.IRole;
  readonly connections: ec2.Connections;
  /** What it is, as the database's ingress rule for it says. */
  readonly description: string;
}

/** The compute the settings chose, as the construct composes it. */
export interface BoundCompute extends ComputeResources {
  /** @default - undefined with the Lambda compute */
  readonly service?: apprunner.CfnService;
  /** @default - undefined with the App Runner compute */
  readonly lambdaFunction?: lambda.IFunction;
  /** Runs one management command per invocation: its own function on App Runner, the alias `live` on Lambda. */
  readonly operatorFunction: lambda.IFunction;
  /**
   * The compute's own identity, and on App Runner the operator function's: its commands run the site's code (they save
   * pages, send email, store media). On Lambda the operator path is the site's own function.
   */
  readonly siteIdentities: SiteIdentity[];
}

/**
 * App Runner with its operator function (which `reserveConcurrency` is for), or the Lambda function, whose deployments
 * migrate only once `database` exists. Their resources are the scope's own (ids such as `Service` and `Operator`, or
 * `Function` and `Live`).
 */
export function createCompute(
  scope: Construct, context: ComputeContext, settings: ComputeSettings, database: IConstruct, reserveConcurrency: boolean,
): BoundCompute {
  if (settings.kind === 'appRunner') {
    const appRunner = createAppRunnerService(scope, context, settings);
    const operator = createOperatorFunction(scope, context, reserveConcurrency);
    const operatorIdentity = {
      role: operator.function.role!,
      connections: operator.securityGroup.connections,
      description: 'The operator function of the Wagtail CMS',
    };
    return { ...appRunner, operatorFunction: operator.function, siteIdentities: [siteIdentityOf(appRunner), operatorIdentity] };
  }
  const site = createLambdaFunction(scope, context, settings, [database]);
  return { ...site, lambdaFunction: site.function, operatorFunction: site.alias, siteIdentities: [siteIdentityOf(site)] };
}

/** The compute's own identity. */
function siteIdentityOf(compute: ComputeResources): SiteIdentity {
  return { role: compute.role, connections: compute.connections, description: 'The Wagtail CMS' };
}

/** The domain the compute's own URLs are under in `region`, which the site's environment names before they exist. */
export function computeDomain(kind: ComputeKind, region: string): string {
  return kind === 'appRunner' ? `${region}.awsapprunner.com` : `lambda-url.${region}.on.aws`;
}
