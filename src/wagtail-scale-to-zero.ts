import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AppRunnerDomain } from './app-runner-domain';
import { createAppRunnerService } from './compute/app-runner';
import { ComputeContext, ComputeResources } from './compute/compute-context';
import { createLambdaFunction } from './compute/lambda-function';
import { createOperatorFunction } from './compute/operator-function';
import { WagtailCompute } from './compute/wagtail-compute';
import { checkConnectionBudget } from './connection-budget';
import { ContentDelivery, createOriginSecret } from './content-delivery';
import { createServerlessDatabase } from './database';
import { EmailOptions } from './email-options';
import { EnvironmentSecret } from './environment-secret';
import { createGeneratedSecret } from './generated-secret';
import { idleCost, totalOf } from './idle-cost';
import { WagtailImage } from './image';
import { createMediaBucket } from './media-bucket';
import { Monitoring, outboxFailureQueue } from './monitoring/monitoring';
import { MonitoringOptions } from './monitoring/monitoring-options';
import { suppressLibraryHandlerFindings } from './nag-findings';
import { suppressNagFindings } from './nag-suppressions';
import { addS3GatewayEndpoint, createIsolatedVpc, defaultSubnets } from './network';
import { OPERATOR_FUNCTION_OUTPUT } from './operator-output';
import { Outbox } from './outbox';
import { createPageCacheBucket, grantPageCacheAccess } from './page-cache-bucket';
import { PublishingSchedule } from './publishing-schedule';
import { loadRuntimeDefaults, runtimeEnvironment } from './runtime-defaults';
import { maxDatabaseConnections, resolveSettings } from './settings';
import { WebApplicationFirewall, webAclArnFor } from './web-application-firewall';

/** The Aurora PostgreSQL Serverless v2 database. */
export interface DatabaseOptions {
  /**
   * Least capacity in ACUs, 0-256 in steps of 0.5; 0 lets the database pause when nobody uses it.
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Most capacity in ACUs, 1-256 in steps of 0.5 and at least `minCapacity`.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Idle time before the database pauses, 300-86,400 seconds; only with `minCapacity` 0.
   * @default Duration.minutes(5) when minCapacity is 0
   */
  readonly autoPause?: Duration;
  /**
   * Name of the database Wagtail uses.
   * @default 'wagtail'
   */
  readonly databaseName?: string;
  /**
   * How long automated backups are kept, 1-35 days.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * What happens to the database when the stack deletes it.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Properties of a WagtailScaleToZero. */
export interface WagtailScaleToZeroProps {
  /**
   * The container image the site runs.
   * @default WagtailImage.fromBundledApp()
   */
  readonly image?: WagtailImage;
  /**
   * An existing VPC to place the database and the compute's network interfaces in.
   * @default - a new VPC in two Availability Zones with isolated subnets only (no NAT, no internet gateway)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` the database and the compute use.
   * @default - the VPC's isolated subnets, or its private subnets with egress when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Whether the chosen subnets already route to S3 (an S3 gateway endpoint or NAT); when false the construct adds
   * an S3 gateway endpoint to them.
   * @default false
   */
  readonly vpcRoutesToS3?: boolean;
  /**
   * Where the site runs: App Runner (provisioned instances; needs an account that already uses App Runner) or a
   * Lambda function (any account; nothing runs, nor is billed, while nobody uses the site).
   * @default WagtailCompute.appRunner()
   */
  readonly compute?: WagtailCompute;
  /**
   * The database's capacity, pause and retention.
   * @default - 0 to 4 ACUs, pause after 5 minutes, snapshot on removal
   */
  readonly database?: DatabaseOptions;
  /**
   * Extra plain environment variables for the container. Names the construct sets itself are refused.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables whose values come from Secrets Manager or SSM Parameter Store, resolved by App Runner
   * when an instance starts (a changed value reaches the app at the next deployment); the app may read exactly these.
   * Names the construct sets itself, and names also given in `environment`, are refused.
   * @default - none
   */
  readonly environmentSecrets?: { [name: string]: EnvironmentSecret };
  /**
   * Email through Amazon SES without a NAT: the app drops each message in a private outbox bucket and a function
   * outside the VPC sends it. Without it the site sends no email and Wagtail's password reset is off.
   * @default - no email
   */
  readonly email?: EmailOptions;
  /**
   * CloudFront in front of the compute: anonymous pages and static files served from its cache, the admin passed
   * through, the custom domain and the firewall there. Off, readers reach the compute's own URL.
   * @default true
   */
  readonly cdn?: boolean;
  /**
   * The site's custom domain. With `cdn` it is served by CloudFront (give `certificate` or `hostedZone`); without,
   * on App Runner, give `hostedZone` and the construct associates it with the service, or associate it yourself. The
   * app accepts requests and form posts for it, and links in admin emails use it.
   * @default - the distribution's (or without `cdn`, the compute's) own domain; admin emails link to the address the browser used
   */
  readonly domainName?: string;
  /**
   * An ACM certificate in us-east-1 covering `domainName`, for CloudFront.
   * @default - created and DNS-validated in `hostedZone` when the stack is in us-east-1
   */
  readonly certificate?: acm.ICertificate;
  /**
   * The Route 53 zone of `domainName`: the construct adds the alias records pointing at CloudFront (and validates
   * the certificate it creates there); with `cdn: false` on App Runner, it associates `domainName` (a subdomain of
   * the zone) with the service and writes App Runner's validation records and a CNAME to the service.
   * @default - no DNS records; point `domainName` at the distribution yourself, or associate it with App Runner yourself
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * AWS WAF where the traffic enters: on CloudFront, or on App Runner without `cdn`. About $7 a month.
   * @default - no web ACL
   */
  readonly webApplicationFirewall?: WebApplicationFirewall;
  /**
   * User name of the first Wagtail administrator; the password is generated in Secrets Manager.
   * @default 'admin'
   */
  readonly adminUsername?: string;
  /**
   * Email address of the first Wagtail administrator: where its password-reset emails go. Required with `email`
   * (a made-up address would make SES send to a domain that bounces, which puts the account's sending under review).
   * @default - none: the first administrator has no address (only allowed without `email`)
   */
  readonly adminEmail?: string;
  /**
   * How long the site's logs (App Runner's application and service logs, or the function's), the email sender's
   * and the VPC flow logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the media bucket when the stack deletes it; DESTROY also deletes its objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly mediaRemovalPolicy?: RemovalPolicy;
  /**
   * What happens to the construct's ECR repository when the stack deletes it; DESTROY also deletes its images.
   * @default RemovalPolicy.RETAIN
   */
  readonly repositoryRemovalPolicy?: RemovalPolicy;
  /**
   * How many images the construct's ECR repository keeps, 1-1000.
   * @default 10
   */
  readonly imagesToKeep?: number;
  /**
   * CloudWatch alarms (to an SNS topic the construct creates, or to your action) and a dashboard.
   * @default - alarms to a new topic, and a dashboard
   */
  readonly monitoring?: MonitoringOptions;
}

/**
 * A Wagtail CMS that costs almost nothing while idle: CloudFront (with a page cache that serves readers without the
 * database) in front of App Runner or a Lambda function, Aurora PostgreSQL Serverless v2 that pauses at zero
 * capacity, a private S3 media bucket reached through a gateway endpoint, an ECR repository holding the site's image,
 * email through an S3 outbox, and an operator function for management commands.
 */
export class WagtailScaleToZero extends Construct implements iam.IGrantable {
  /** The site's https URL (no trailing slash): the custom domain or CloudFront's, else the compute's own. */
  public readonly serviceUrl: string;
  /** The compute's own https URL; behind CloudFront it refuses requests that did not come through the distribution. */
  public readonly originUrl: string;
  /**
   * The CloudFront distribution in front of the compute.
   * @default - undefined with `cdn: false`
   */
  public readonly distribution?: cloudfront.IDistribution;
  /**
   * The App Runner service.
   * @default - undefined with the Lambda compute
   */
  public readonly service?: apprunner.CfnService;
  /**
   * The Lambda function (its alias `live` serves the Function URL).
   * @default - undefined with the App Runner compute
   */
  public readonly lambdaFunction?: lambda.IFunction;
  /**
   * The function that runs a management command per invocation (`{"manage": ["<command>", ...]}`), never reached
   * through a URL: the alias `live` of the Lambda compute, or on App Runner a function of its own in the VPC from
   * the same image, with the site's grants. Grant operators `grantInvoke` on it.
   */
  public readonly operatorFunction: lambda.IFunction;
  /** The VPC the database and the compute are in. */
  public readonly vpc: ec2.IVpc;
  /** The Aurora PostgreSQL Serverless v2 cluster. */
  public readonly database: rds.DatabaseCluster;
  /** The private bucket holding Wagtail's images and documents. */
  public readonly mediaBucket: s3.Bucket;
  /** The ECR repository the compute runs the image from. */
  public readonly repository: ecr.IRepository;
  /** The compute's security group; allow it into whatever else the app must reach. */
  public readonly connections: ec2.Connections;
  /** The role the running app has; grant it access to more resources. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The secret holding the first administrator's generated password (a plain string). */
  public readonly adminPasswordSecret: secretsmanager.ISecret;
  /**
   * gunicorn worker processes per App Runner instance, derived from `cpu`: 2 per vCPU, at least 2.
   * @default - undefined with the Lambda compute (one request per execution environment)
   */
  public readonly webConcurrency?: number;
  /**
   * Database connections one unit of scale opens at most: an App Runner instance (workers x threads, one pooled
   * connection each), or one Lambda request (1).
   */
  public readonly databaseConnectionsPerInstance: number;
  /**
   * Database connections the whole site opens at most, at App Runner's `maxInstances` or Lambda's `maxConcurrency`.
   * @default - undefined when that number is a token, unknown until deployment
   */
  public readonly maxDatabaseConnections?: number;
  /**
   * What the stack costs per month while nobody uses it, in USD at us-east-1 list prices: what stays provisioned or
   * stored (an App Runner instance's memory, secrets, storage), from this construct's own settings.
   */
  public readonly estimatedIdleCostPerMonth: number;
  /**
   * Events of outbox objects (emails, CloudFront purges, publishing-schedule requests) that could not be handled after
   * every retry; the objects stay in the outbox bucket, and an alarm watches the queue's visible messages.
   * @default - undefined without `email`
   */
  public readonly emailFailureQueue?: sqs.IQueue;
  /** The site's CloudWatch alarms; empty with `monitoring.alarms` false. */
  public readonly alarms: cloudwatch.IAlarm[];
  /**
   * The SNS topic the alarms notify; subscribe to it (email, chat) to be told when the site breaks.
   * @default - undefined with `monitoring.alarms` false or a `monitoring.alarmAction`
   */
  public readonly alarmTopic?: sns.ITopic;
  /**
   * The CloudWatch dashboard of traffic, errors, capacity and the time the database spent paused.
   * @default - undefined with `monitoring.dashboard` false
   */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: WagtailScaleToZeroProps = {}) {
    super(scope, id);
    const runtime = loadRuntimeDefaults();
    const settings = resolveSettings(props, runtime);
    this.webConcurrency = settings.appRunner?.webConcurrency;
    this.databaseConnectionsPerInstance = settings.connectionsPerInstance;
    this.maxDatabaseConnections = maxDatabaseConnections(settings);
    checkConnectionBudget({
      scaleProp: settings.appRunner ? 'appRunner.maxInstances' : 'lambdaFunction.maxConcurrency',
      unit: settings.appRunner ? 'instance' : 'request',
      maxInstances: settings.maxInstances,
      connectionsPerInstance: this.databaseConnectionsPerInstance,
      minCapacity: settings.minCapacity,
      maxCapacity: settings.maxCapacity,
    });

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.vpc = props.vpc ?? createIsolatedVpc(this, logRetention);
    const subnets = props.vpcSubnets ?? defaultSubnets(this.vpc);
    if (!props.vpcRoutesToS3) {
      addS3GatewayEndpoint(this, this.vpc, subnets);
    }

    const region = Stack.of(this).region;
    const { hosts, origins } = allowedHostsAndOrigins(settings.cdn, props.domainName, settings.appRunner ? `${region}.awsapprunner.com` : `lambda-url.${region}.on.aws`);

    this.database = createServerlessDatabase(this, {
      vpc: this.vpc,
      subnets,
      minCapacity: settings.minCapacity,
      maxCapacity: settings.maxCapacity,
      autoPause: settings.autoPause,
      databaseName: settings.databaseName,
      backupRetention: props.database?.backupRetention ?? Duration.days(7),
      removalPolicy: props.database?.removalPolicy ?? RemovalPolicy.SNAPSHOT,
    });
    this.mediaBucket = createMediaBucket(this, props.mediaRemovalPolicy ?? RemovalPolicy.RETAIN, origins);
    const pageCacheBucket = createPageCacheBucket(this);
    const originSecret = settings.cdn ? createOriginSecret(this) : undefined;

    const secretKey = createGeneratedSecret(this, 'DjangoSecretKey', {
      description: 'Django SECRET_KEY of the Wagtail CMS',
      length: 64,
      withoutRotationBecause: 'Rotating SECRET_KEY signs everyone out and only takes effect on redeploy; rotate by hand when needed.',
    });
    this.adminPasswordSecret = createGeneratedSecret(this, 'AdminPassword', {
      description: 'Password of the first Wagtail administrator',
      length: 24,
      withoutRotationBecause: 'Used once, to create the first administrator; the password is then managed in Wagtail itself.',
    });

    const image = (props.image ?? WagtailImage.fromBundledApp()).bind(this, {
      repositoryRemovalPolicy: props.repositoryRemovalPolicy ?? RemovalPolicy.RETAIN,
      imagesToKeep: settings.imagesToKeep,
      tagByContent: settings.lambdaFunction !== undefined,
    });
    this.repository = image.repository;

    // An account that cannot reserve concurrency for the site (quota 10) cannot for the sender or the operator either.
    const reserveConcurrency = settings.lambdaFunction?.reserveConcurrency ?? true;
    // One outbox for what the app cannot ask of AWS from a VPC without NAT: email, CloudFront purges, the
    // publishing schedule.
    const outbox = new Outbox(this, 'Outbox', {
      email: props.email,
      logRetention,
      purgeBatchSeconds: runtime.PURGE_BATCH_SECONDS,
      reserveConcurrency,
    });
    const context: ComputeContext = {
      vpc: this.vpc,
      subnets,
      image,
      port: runtime.PORT,
      logRetention,
      environment: {
        ...props.environment,
        ...runtimeEnvironment(runtime),
        ...(props.email ? { EMAIL_OUTBOX_BUCKET: outbox.bucket.bucketName, DJANGO_DEFAULT_FROM_EMAIL: props.email.fromAddress } : {}),
        ...(settings.cdn ? { CDN_PURGE_OUTBOX_BUCKET: outbox.bucket.bucketName } : {}),
        SCHEDULE_OUTBOX_BUCKET: outbox.bucket.bucketName,
        ...(props.domainName ? { WAGTAILADMIN_BASE_URL: `https://${props.domainName}` } : {}),
        DATABASE_NAME: settings.databaseName,
        ...(hosts.length ? { DJANGO_ALLOWED_HOSTS: hosts.join(',') } : {}),
        ...(origins.length ? { DJANGO_CSRF_TRUSTED_ORIGINS: origins.join(',') } : {}),
        AWS_STORAGE_BUCKET_NAME: this.mediaBucket.bucketName,
        PAGE_CACHE_BUCKET: pageCacheBucket.bucketName,
        AWS_S3_REGION_NAME: region,
        DJANGO_SUPERUSER_USERNAME: settings.adminUsername,
        ...(props.adminEmail ? { DJANGO_SUPERUSER_EMAIL: props.adminEmail } : {}),
      },
      secrets: {
        ...props.environmentSecrets,
        DATABASE_SECRET: EnvironmentSecret.fromSecretsManager(this.database.secret!),
        DJANGO_SECRET_KEY: EnvironmentSecret.fromSecretsManager(secretKey),
        DJANGO_SUPERUSER_PASSWORD: EnvironmentSecret.fromSecretsManager(this.adminPasswordSecret),
        ...(originSecret ? { CDN_ORIGIN_SECRET: EnvironmentSecret.fromSecretsManager(originSecret) } : {}),
      },
    };
    let compute: ComputeResources;
    // App Runner's operator function is a second identity the database and the grants must admit.
    let operatorIdentity: { role: iam.IRole; connections: ec2.Connections } | undefined;
    if (settings.appRunner) {
      const appRunner = createAppRunnerService(this, context, settings.appRunner);
      this.service = appRunner.service;
      compute = appRunner;
      const operator = createOperatorFunction(this, context, reserveConcurrency);
      this.operatorFunction = operator.function;
      operatorIdentity = { role: operator.function.role!, connections: operator.securityGroup.connections };
    } else {
      const lambdaFunction = createLambdaFunction(this, context, settings.lambdaFunction!, [this.database]);
      this.lambdaFunction = lambdaFunction.function;
      compute = lambdaFunction;
      this.operatorFunction = lambdaFunction.alias;
    }
    new CfnOutput(this, OPERATOR_FUNCTION_OUTPUT, {
      value: this.operatorFunction.functionName,
      description: 'Function that runs a management command: aws lambda invoke --function-name <this> '
        + '--cli-binary-format raw-in-base64-out --payload \'{"manage": ["check"]}\' result.json',
    });
    this.originUrl = compute.url;
    outbox.enableSchedules(new PublishingSchedule(this, 'PublishingSchedule', { operatorFunction: this.operatorFunction }));
    // The operator path runs the site's own code (commands save pages, send email, store media): it gets what the site gets.
    const siteRoles = [compute.role, ...(operatorIdentity ? [operatorIdentity.role] : [])];
    if (settings.cdn) {
      const delivery = new ContentDelivery(this, 'Cdn', {
        originDomainName: compute.domainName,
        originSecret: originSecret!,
        domainName: props.domainName,
        certificate: props.certificate,
        hostedZone: props.hostedZone,
        webAclArn: props.webApplicationFirewall ? webAclArnFor(this, props.webApplicationFirewall, 'CLOUDFRONT') : undefined,
      });
      this.distribution = delivery.distribution;
      this.serviceUrl = delivery.url;
      outbox.enablePurges(delivery.distribution);
      for (const role of siteRoles) {
        outbox.grantPurge(role);
      }
    } else {
      if (props.webApplicationFirewall && this.service) {
        new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
          resourceArn: this.service.attrServiceArn,
          webAclArn: webAclArnFor(this, props.webApplicationFirewall, 'REGIONAL'),
        });
      }
      if (props.domainName && props.hostedZone && this.service) {
        new AppRunnerDomain(this, 'CustomDomain', { service: this.service, domainName: props.domainName, hostedZone: props.hostedZone, logRetention });
      }
      this.serviceUrl = compute.url;
    }
    this.connections = compute.connections;
    this.grantPrincipal = compute.role;
    this.database.connections.allowDefaultPortFrom(compute.connections, 'The Wagtail CMS');
    if (operatorIdentity) {
      this.database.connections.allowDefaultPortFrom(operatorIdentity.connections, 'The operator function of the Wagtail CMS');
    }
    for (const role of siteRoles) {
      grantMediaAccess(this.mediaBucket, role);
      grantPageCacheAccess(pageCacheBucket, role);
      outbox.grantScheduleRequests(role);
      if (props.email) {
        outbox.grantSend(role);
      }
    }
    if (props.email) {
      this.emailFailureQueue = outbox.failureQueue;
      new CfnOutput(this, 'EmailFailureQueueUrl', {
        value: outbox.failureQueue.queueUrl,
        description: 'Queue of emails that could not be sent after every retry (the messages stay in the outbox bucket)',
      });
    }

    const monitoring = new Monitoring(this, 'Monitoring', {
      settings,
      alarmAction: props.monitoring?.alarmAction,
      service: this.service,
      lambdaFunction: this.lambdaFunction,
      database: this.database,
      failureQueues: [outboxFailureQueue(outbox.failureQueue, { email: props.email !== undefined, purges: settings.cdn })],
      distribution: this.distribution,
    });
    this.alarms = monitoring.alarms;
    this.alarmTopic = monitoring.alarmTopic;
    this.dashboard = monitoring.dashboard;

    this.estimatedIdleCostPerMonth = totalOf(idleCost(settings));

    new CfnOutput(this, 'ServiceUrl', { value: this.serviceUrl, description: 'URL of the Wagtail CMS' });
    if (this.distribution) {
      new CfnOutput(this, 'DistributionDomainName', {
        value: this.distribution.distributionDomainName,
        description: 'CloudFront domain of the Wagtail CMS (point a custom domain at it)',
      });
    }
    new CfnOutput(this, 'SecretKeySecretArn', {
      value: secretKey.secretArn,
      description: 'Secret holding Django\'s SECRET_KEY, from which the /readyz token is derived (runtime/README.md, Endpoints)',
    });
    new CfnOutput(this, 'AdminPasswordSecretArn', {
      value: this.adminPasswordSecret.secretArn,
      description: `Secret holding the password of the Wagtail administrator "${settings.adminUsername}"`,
    });

    suppressLibraryHandlerFindings(Stack.of(this));
  }
}

/**
 * The exact hosts and https origins the app (ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS) and the media bucket's CORS accept.
 * Behind CloudFront only the custom domain is named here: the distribution's own domain cannot be (the distribution
 * needs the compute as its origin, so the compute's environment cannot name the distribution), so CloudFront's
 * viewer function sends it in a header that the app trusts only beside the origin secret. Without CloudFront readers
 * reach the compute's own URL, which its environment cannot name either: the compute's domain in this region stands in.
 */
function allowedHostsAndOrigins(cdn: boolean, domainName: string | undefined, computeDomain: string): { hosts: string[]; origins: string[] } {
  const custom = domainName ? [domainName] : [];
  const hosts = cdn ? custom : [`.${computeDomain}`, ...custom];
  const origins = [...(cdn ? [] : [`https://*.${computeDomain}`]), ...custom.map((d) => `https://${d}`)];
  return { hosts, origins };
}

/** The running app reads and writes its media bucket's objects and lists it; nothing more. */
function grantMediaAccess(bucket: s3.IBucket, role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    resources: [bucket.arnForObjects('*')],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  suppressNagFindings(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'Wagtail stores media under any key of its own bucket; the object actions are scoped to that one bucket.',
    appliesTo: [{ regex: '/^Resource::<.*MediaBucket.*\\.Arn>\\/\\*$/' }],
  }]);
}
