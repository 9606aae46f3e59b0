import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { suppressNagFindings } from './nag-suppressions';

/** The directory of the handler's code, shipped inside this package (plain CommonJS, nothing bundled). */
const HANDLER_CODE_DIRECTORY = path.join(__dirname, '..', 'functions', 'app-runner-domain');

/** How often the deployment asks App Runner whether the domain's validation records are listed yet. */
const QUERY_INTERVAL = Duration.seconds(30);
/** How long it waits for them at most (the Provider framework's limit). */
const TOTAL_TIMEOUT = Duration.hours(1);

export interface AppRunnerDomainProps {
  /** The service to serve the domain. */
  readonly service: apprunner.CfnService;
  /** The custom domain, in `hostedZone` and not its apex (a CNAME cannot sit at the apex). */
  readonly domainName: string;
  /** The Route 53 zone where the validation records and the domain's CNAME are written. */
  readonly hostedZone: route53.IHostedZone;
  /** How long the handlers' logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * A custom domain on App Runner, which CloudFormation has no resource for: a custom resource associates it with the
 * service (no www subdomain), writes the certificate validation records and the domain's CNAME to the service in the
 * zone, and on delete removes both. The deployment waits for the records, not for the certificate: App Runner
 * validates it some time after they appear, and `status` tells where it stood at deployment.
 */
export class AppRunnerDomain extends Construct {
  /** App Runner's status of the association when the records were written, e.g. `pending_certificate_dns_validation`. */
  public readonly status: string;

  constructor(scope: Construct, id: string, props: AppRunnerDomainProps) {
    super(scope, id);
    checkDomainInZone(props.domainName, props.hostedZone);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Associates the Wagtail CMS domain with its App Runner service and writes its DNS records',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['apprunner:AssociateCustomDomain', 'apprunner:DisassociateCustomDomain', 'apprunner:DescribeCustomDomains'],
      resources: [props.service.attrServiceArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [props.hostedZone.hostedZoneArn],
      conditions: recordConditions(props.domainName),
    }));

    // One asset, two entry points, one role and one log group.
    const handler = (handlerId: string, entryPoint: string, description: string) => new lambda.Function(this, handlerId, {
      description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: `index.${entryPoint}`,
      code: lambda.Code.fromAsset(HANDLER_CODE_DIRECTORY),
      memorySize: 128,
      timeout: Duration.minutes(1),
      role,
      logGroup,
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: handler('OnEvent', 'onEvent', 'Associates or disassociates the App Runner custom domain of the Wagtail CMS'),
      isCompleteHandler: handler('IsComplete', 'isComplete', 'Writes the DNS records of the App Runner custom domain once App Runner lists them'),
      queryInterval: QUERY_INTERVAL,
      totalTimeout: TOTAL_TIMEOUT,
      logGroup,
    });
    suppressNagFindings(provider, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK Provider framework function: AWSLambdaBasicExecutionRole only lets it write its own logs.' },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'CDK Provider framework: its roles invoke any version (<function ARN>:*) of this construct\'s two handlers and of the framework\'s own functions, nothing else.',
        appliesTo: [{ regex: '/^Resource::<.*\\.Arn>:\\*$/' }],
      },
      { id: 'AwsSolutions-L1', reason: 'CDK Provider framework function: its runtime is chosen by aws-cdk-lib, which owns it.' },
      { id: 'AwsSolutions-SF1', reason: 'The Provider framework\'s waiter only calls isComplete every 30 seconds; the handlers log each step in their own log group.' },
      { id: 'AwsSolutions-SF2', reason: 'The Provider framework\'s waiter runs at deployment only, a few calls to one function: X-Ray traces would add nothing.' },
    ]);

    const association = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AppRunnerCustomDomain',
      properties: { ServiceArn: props.service.attrServiceArn, DomainName: props.domainName, HostedZoneId: props.hostedZone.hostedZoneId },
    });
    this.status = association.getAttString('Status');
  }
}

/**
 * The ChangeResourceRecordSets conditions: UPSERT or DELETE of CNAME records named `domainName` or under it (App
 * Runner's validation records are `_<token>.<domainName>`), in Route 53's normalized form (lower case, no final dot).
 */
function recordConditions(domainName: string): Record<string, Record<string, string[]>> {
  const name = Token.isUnresolved(domainName) ? domainName : domainName.toLowerCase().replace(/\.$/, '');
  return {
    'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name, `*.${name}`] },
    'ForAllValues:StringEquals': {
      'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
    },
  };
}

/** Refuses a domain outside the zone, or its apex, when both names are known at synth time. */
function checkDomainInZone(domainName: string, hostedZone: route53.IHostedZone): void {
  let zoneName: string;
  try {
    zoneName = hostedZone.zoneName; // a zone from HostedZone.fromHostedZoneId has no name to check against
  } catch {
    return;
  }
  if (Token.isUnresolved(domainName) || Token.isUnresolved(zoneName)) {
    return;
  }
  const domain = domainName.toLowerCase().replace(/\.$/, '');
  const zone = zoneName.toLowerCase().replace(/\.$/, '');
  if (domain === zone) {
    throw new Error(`domainName ${domainName} is the apex of hostedZone ${zoneName}, where a CNAME cannot be: use a subdomain such as cms.${zone}, or leave hostedZone out and associate the domain with App Runner yourself`);
  }
  if (!domain.endsWith(`.${zone}`)) {
    throw new Error(`domainName ${domainName} is not in hostedZone ${zoneName}: give the zone that holds it`);
  }
}
