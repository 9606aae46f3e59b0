import * as path from 'path';
import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTRACT } from './contract';
import { EmailOptions } from './email-options';
import { suppressNagFindings } from './nag-suppressions';
import { PublishingSchedule } from './publishing-schedule';


/** The directory of the sender function's code, shipped inside this package. */
const SENDER_CODE_DIRECTORY = path.join(__dirname, '..', 'functions', 'outbox-sender');

/** Days an object that could not be handled stays in the outbox and its failure record in the queue. */
const FAILED_MESSAGE_DAYS = 14;

/** Room for SES's and S3's own retries: a timeout between the send and the delete would send a message twice. */
const EMAIL_TIMEOUT = Duration.seconds(90);
/**
 * Invocations of the sender at once, at most: a flood of outbox objects waits its turn (Lambda retries throttled S3
 * events for up to six hours) instead of taking the account's concurrency from every other function.
 */
export const SENDER_RESERVED_CONCURRENCY = 5;

export interface OutboxProps {
  /**
   * Email to send through Amazon SES.
   * @default - no email: call `enablePurges` or `enableSchedules` for an outbox of those only
   */
  readonly email?: EmailOptions;
  /** How long the sender's logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** The purge window the app and the sender share: the runtime's `PURGE_BATCH_SECONDS`. */
  readonly purgeBatchSeconds: number;
  /**
   * Whether the sender reserves `SENDER_RESERVED_CONCURRENCY` of the account's concurrency. Lambda keeps 10 of an
   * account's concurrency unreserved, so an account whose quota is 10 can reserve none.
   * @default true
   */
  readonly reserveConcurrency?: boolean;
}

/**
 * AWS calls without a NAT: the app (in the isolated VPC) writes each email message, cache purge request or
 * publishing-schedule request to a private bucket through the S3 gateway endpoint; the bucket's event invokes a
 * function outside the VPC that sends the message with SES, invalidates the CloudFront distribution (one invalidation
 * per burst of purges) or keeps the one publishing schedule at the newest requested time, and removes the objects it
 * handled (but the newest schedule request, the record a late stale one is told apart by). Nothing runs while the outbox is empty, so it costs nothing idle. An object that still fails
 * after Lambda's retries stays in the bucket, and the failed event lands in a queue an operator can alarm on.
 */
export class Outbox extends Construct {
  /** The private bucket holding messages and purge requests waiting to be handled. */
  public readonly bucket: s3.Bucket;
  /** The function outside the VPC that sends each message with SES and makes the CloudFront invalidations. */
  public readonly sender: lambda.Function;
  /** Events whose object could not be handled after every retry; alarm on its visible messages. */
  public readonly failureQueue: sqs.Queue;
  private readonly sendsEmail: boolean;
  private readonly purgeBatchSeconds: number;
  private purgeDistribution?: cloudfront.IDistribution;
  private schedulesEnabled = false;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    this.sendsEmail = props.email !== undefined;
    this.purgeBatchSeconds = props.purgeBatchSeconds;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(FAILED_MESSAGE_DAYS) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    suppressNagFindings(this.bucket.node.defaultChild!, [{
      id: 'AwsSolutions-S1',
      reason: 'Messages live here for seconds, between the app and the sender; the sender logs each delivery, and server access logs would need a second bucket.',
    }]);

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(FAILED_MESSAGE_DAYS),
    });
    suppressNagFindings(this.failureQueue.node.defaultChild!, [{
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the outbox sender: records of events that failed every retry.',
    }]);

    this.sender = new lambda.Function(this, 'Sender', {
      description: Lazy.string({ produce: () => this.describeSender() }),
      runtime: lambda.Runtime.PYTHON_3_14,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(SENDER_CODE_DIRECTORY, { exclude: ['__pycache__', '*.pyc'] }),
      memorySize: 128,
      timeout: EMAIL_TIMEOUT,
      logGroup: new logs.LogGroup(this, 'SenderLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      retryAttempts: 2,
      onFailure: new SqsDestination(this.failureQueue),
      reservedConcurrentExecutions: props.reserveConcurrency ?? true ? SENDER_RESERVED_CONCURRENCY : undefined,
    });
    if (props.email) {
      this.handle(CONTRACT.emailPrefix, 'reads and deletes any message');
    }
    // Without it S3 answers 403 instead of 404 for an object already handled, and a retry after a success would fail.
    this.sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    if (props.email) {
      this.sender.addEnvironment('EMAIL_FROM_ADDRESS', props.email.fromAddress);
      this.sender.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ses:SendRawEmail'],
        resources: sendingIdentities(props.email).map((identity) =>
          Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
        conditions: { StringEquals: { 'ses:FromAddress': props.email.fromAddress } },
      }));
    }
    suppressNagFindings(this.sender, [
      { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole only lets the sender write its own logs.' },
    ]);
    this.node.addValidation({
      validate: () => this.sendsEmail || this.purgeDistribution || this.schedulesEnabled
        ? [] : ['An outbox needs email, enablePurges with a distribution, or enableSchedules'],
    });
  }

  /**
   * Has the sender invalidate `distribution` for the purge requests the app drops under `purge/` (see `grantPurge`),
   * one invalidation per burst of them, and nothing else of CloudFront. Call it once, whenever the distribution exists.
   */
  public enablePurges(distribution: cloudfront.IDistribution): void {
    if (this.purgeDistribution) {
      throw new Error('enablePurges was already called: an outbox purges one distribution');
    }
    this.purgeDistribution = distribution;
    this.handle(CONTRACT.purgePrefix, 'reads and deletes the cache purge requests');
    this.sender.addEnvironment('DISTRIBUTION_ID', distribution.distributionId);
    this.sender.addEnvironment('PURGE_BATCH_SECONDS', String(this.purgeBatchSeconds));
    this.sender.addToRolePolicy(new iam.PolicyStatement({
      actions: ['cloudfront:CreateInvalidation'],
      resources: [distribution.distributionArn],
    }));
    const cfnSender = this.sender.node.defaultChild as lambda.CfnFunction;
    // The sender's debounce: it waits until a purge request is one window old, then up to another window for an
    // older request's invocation to finish, before its own invalidation.
    cfnSender.timeout = EMAIL_TIMEOUT.plus(Duration.seconds(2 * this.purgeBatchSeconds)).toSeconds();
  }

  /**
   * Has the sender keep the one publishing schedule of `schedule` at the time of the newest request the app drops
   * under the contract's schedule prefix (see `grantScheduleRequests`), and nothing else of EventBridge Scheduler.
   */
  public enableSchedules(schedule: PublishingSchedule): void {
    if (this.schedulesEnabled) {
      throw new Error('enableSchedules was already called: an outbox keeps one publishing schedule');
    }
    this.schedulesEnabled = true;
    this.handle(CONTRACT.schedulePrefix, 'reads and deletes the publishing-schedule requests');
    this.sender.addEnvironment('SCHEDULE_GROUP', schedule.group.scheduleGroupName);
    this.sender.addEnvironment('SCHEDULE_NAME', CONTRACT.publishingScheduleName);
    this.sender.addEnvironment('SCHEDULE_TARGET_ARN', schedule.targetArn);
    this.sender.addEnvironment('SCHEDULE_ROLE_ARN', schedule.role.roleArn);
    this.sender.addEnvironment('SCHEDULE_TARGET_INPUT', schedule.targetInput);
    schedule.grantManage(this.sender);
  }

  /** Lets the running app drop publishing-schedule requests into the outbox, and nothing more; needs `enableSchedules`. */
  public grantScheduleRequests(role: iam.IRole): void {
    if (!this.schedulesEnabled) {
      throw new Error('grantScheduleRequests needs enableSchedules first: without it nothing would handle the requests');
    }
    this.grantDrop(role, CONTRACT.schedulePrefix, 'publishing-schedule request');
  }

  /** Lets the running app drop messages into the outbox, and nothing more; needs `email`. */
  public grantSend(role: iam.IRole): void {
    if (!this.sendsEmail) {
      throw new Error('grantSend needs an outbox with email: without it nothing would send the messages');
    }
    this.grantDrop(role, CONTRACT.emailPrefix, 'outgoing message');
  }

  /** Lets the running app drop cache purge requests into the outbox, and nothing more; needs `enablePurges`. */
  public grantPurge(role: iam.IRole): void {
    if (!this.purgeDistribution) {
      throw new Error('grantPurge needs enablePurges first: without a distribution nothing would handle the requests');
    }
    this.grantDrop(role, CONTRACT.purgePrefix, 'cache purge request');
  }

  /** What the sender does, for its description. */
  private describeSender(): string {
    const jobs = [
      ...(this.sendsEmail ? ['sends its email with Amazon SES'] : []),
      ...(this.purgeDistribution ? ['invalidates CloudFront for its purge requests'] : []),
      ...(this.schedulesEnabled ? ['keeps its publishing schedule'] : []),
    ];
    return `Handles the Wagtail CMS outbox: ${jobs.join(', ')}`;
  }

  /** The sender reads and deletes the objects under `prefix`, and hears of each new one. */
  private handle(prefix: string, what: string): void {
    this.sender.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
    }));
    suppressNagFindings(this.sender, [{
      id: 'AwsSolutions-IAM5',
      reason: `The sender ${what} under the ${prefix} prefix of its own outbox bucket, and nothing else.`,
      appliesTo: [{ regex: objectsUnder(prefix) }],
    }]);
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(this.sender), { prefix });
  }

  /** Lets `role` put objects under `prefix`, and nothing more. */
  private grantDrop(role: iam.IRole, prefix: string, what: string): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
    }));
    suppressNagFindings(role, [{
      id: 'AwsSolutions-IAM5',
      reason: `The app drops each ${what} under a new key of the ${prefix} prefix of its outbox bucket, and may do nothing else there.`,
      appliesTo: [{ regex: objectsUnder(prefix) }],
    }]);
  }
}

/** The cdk-nag finding text of the objects under `prefix` of the outbox bucket. */
function objectsUnder(prefix: string): string {
  return `/^Resource::<.*OutboxBucket.*\\.Arn>\\/${prefix.replace('/', '')}\\/\\*$/`;
}

/** The SES identities the sender may use: the one given, else the address and its domain. */
function sendingIdentities(email: EmailOptions): string[] {
  return email.identity ? [email.identity] : [email.fromAddress, email.fromAddress.split('@')[1]];
}
