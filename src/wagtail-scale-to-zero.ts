import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CdnOriginSecret } from './cdn-origin-secret';
import { computeDomain, createCompute } from './compute/bind-compute';
import { ComputeContext } from './compute/compute-context';
import { createServerlessDatabase } from './database';
import { createFrontDoor } from './front-door';
import { idleCost, totalOf } from './idle-cost';
import { WagtailImage } from './image';
import { createMediaBucket, grantMediaAccess } from './media-bucket';
import { Monitoring, outboxFailureQueue } from './monitoring/monitoring';
import { suppressLibraryHandlerFindings } from './nag-findings';
import { addS3GatewayEndpoint, createIsolatedVpc, defaultSubnets } from './network';
import { Outbox } from './outbox';
import { createPageCacheBucket, grantPageCacheAccess } from './page-cache-bucket';
import { PublishingSchedule } from './publishing-schedule';
import { loadRuntimeDefaults } from './runtime-defaults';
import { maxDatabaseConnections, resolveSettings } from './settings';
import { allowedHostsAndOrigins, siteEnvironment } from './site-environment';
import { addStackOutputs } from './stack-outputs';
import { settingsPass } from './validation';
import { WagtailScaleToZeroProps } from './wagtail-scale-to-zero-props';

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
    // Every default and check, in one pass that reports all bad settings at once.
    const settings = settingsPass(this.node.path, () => resolveSettings(props, runtime));
    this.webConcurrency = settings.compute.kind === 'appRunner' ? settings.compute.webConcurrency : undefined;
    this.databaseConnectionsPerInstance = settings.connectionsPerInstance;
    this.maxDatabaseConnections = maxDatabaseConnections(settings);

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.vpc = props.vpc ?? createIsolatedVpc(this, logRetention);
    const subnets = props.vpcSubnets ?? defaultSubnets(this.vpc);
    if (!props.vpcRoutesToS3) {
      addS3GatewayEndpoint(this, this.vpc, subnets);
    }

    const region = Stack.of(this).region;
    const { hosts, origins } = allowedHostsAndOrigins(settings.cdn, props.domainName, computeDomain(settings.compute.kind, region));

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
    // The cluster's copy of its generated credentials, with the host and port attached.
    const databaseSecret = this.database.secret!;
    this.mediaBucket = createMediaBucket(this, props.mediaRemovalPolicy ?? RemovalPolicy.RETAIN, origins);
    const pageCacheBucket = createPageCacheBucket(this);
    const originSecret = settings.cdn ? new CdnOriginSecret(this, 'CdnOriginVerify', { databaseSecret, logRetention }).value : undefined;

    const image = (props.image ?? WagtailImage.fromBundledApp()).bind(this, {
      repositoryRemovalPolicy: props.repositoryRemovalPolicy ?? RemovalPolicy.RETAIN,
      imagesToKeep: settings.imagesToKeep,
      tagByContent: settings.compute.kind === 'lambdaFunction',
    });
    this.repository = image.repository;

    // One outbox for what the app cannot ask of AWS from a VPC without NAT: email, CloudFront purges, the publishing schedule.
    const outbox = new Outbox(this, 'Outbox', {
      email: props.email,
      logRetention,
      purgeBatchSeconds: runtime.PURGE_BATCH_SECONDS,
      reserveConcurrency: settings.reserveConcurrency,
    });
    const context: ComputeContext = {
      vpc: this.vpc,
      subnets,
      image,
      port: runtime.PORT,
      logRetention,
      ...siteEnvironment({
        props,
        settings,
        runtime,
        region,
        hosts,
        origins,
        outboxBucket: outbox.bucket,
        mediaBucket: this.mediaBucket,
        pageCacheBucket,
        databaseSecret,
        originSecret,
      }),
    };
    const compute = createCompute(this, context, settings.compute, this.database, settings.reserveConcurrency);
    this.service = compute.service;
    this.lambdaFunction = compute.lambdaFunction;
    this.operatorFunction = compute.operatorFunction;
    this.originUrl = compute.url;
    outbox.enableSchedules(new PublishingSchedule(this, 'PublishingSchedule', { operatorFunction: this.operatorFunction }));
    const front = createFrontDoor(this, { props, compute, service: this.service, originSecret, logRetention });
    this.serviceUrl = front.url;
    this.distribution = front.distribution;
    if (front.distribution) {
      outbox.enablePurges(front.distribution);
    }
    this.connections = compute.connections;
    this.grantPrincipal = compute.role;
    // Whatever runs the site's code (on App Runner the operator function too) reaches what the site reaches.
    for (const { role, connections, description } of compute.siteIdentities) {
      this.database.connections.allowDefaultPortFrom(connections, description);
      if (front.distribution) {
        outbox.grantPurge(role);
      }
      grantMediaAccess(this.mediaBucket, role);
      grantPageCacheAccess(pageCacheBucket, role);
      outbox.grantScheduleRequests(role);
      if (props.email) {
        outbox.grantSend(role);
      }
    }
    this.emailFailureQueue = props.email ? outbox.failureQueue : undefined;

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

    addStackOutputs(this, {
      serviceUrl: this.serviceUrl,
      distribution: this.distribution,
      operatorFunction: this.operatorFunction,
      databaseSecret,
      emailFailureQueue: this.emailFailureQueue,
    });
    suppressLibraryHandlerFindings(Stack.of(this));
  }
}
