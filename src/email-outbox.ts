import * as path from 'path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EmailOptions } from './email-options';
import { suppressNagFindings } from './nag-suppressions';

/** Where the app drops each message: objects under this prefix of the outbox bucket. */
export const EMAIL_PREFIX = 'email/';

/** The directory of the sender function's code, shipped inside this package. */
const SENDER_CODE_DIRECTORY = path.join(__dirname, '..', 'functions', 'outbox-sender');

/** Days a message that could not be sent stays in the outbox and its failure record in the queue. */
const FAILED_MESSAGE_DAYS = 14;

export interface EmailOutboxProps {
  readonly email: EmailOptions;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Email without a NAT: the app (in the isolated VPC) writes each message to a private bucket through the S3 gateway
 * endpoint; the bucket's event invokes a function outside the VPC that sends it with SES and removes it. Nothing
 * runs while nobody sends mail, so it costs nothing idle. A message that still fails after Lambda's retries stays in
 * the bucket, and the failed event lands in a queue an operator can alarm on.
 */
export class EmailOutbox extends Construct {
  /** The private bucket holding messages waiting to be sent. */
  public readonly bucket: s3.Bucket;
  /** The function outside the VPC that sends each message with SES. */
  public readonly sender: lambda.Function;
  /** Events whose message could not be sent after every retry; alarm on its visible messages. */
  public readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EmailOutboxProps) {
    super(scope, id);
    const { fromAddress } = props.email;

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
      reason: 'This queue is itself the dead-letter destination of the email sender: records of messages that failed every retry.',
    }]);

    this.sender = new lambda.Function(this, 'Sender', {
      description: 'Sends the Wagtail CMS outbox with Amazon SES',
      runtime: lambda.Runtime.PYTHON_3_14,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(SENDER_CODE_DIRECTORY, { exclude: ['__pycache__', '*.pyc'] }),
      memorySize: 128,
      // Room for SES's and S3's own retries: a timeout between the send and the delete would send the message twice.
      timeout: Duration.seconds(90),
      environment: { EMAIL_FROM_ADDRESS: fromAddress },
      logGroup: new logs.LogGroup(this, 'SenderLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      retryAttempts: 2,
      onFailure: new SqsDestination(this.failureQueue),
    });
    this.sender.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [this.bucket.arnForObjects(`${EMAIL_PREFIX}*`)],
    }));
    // Without it S3 answers 403 instead of 404 for a message already sent, and a retry after a success would fail.
    this.sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    this.sender.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ses:SendRawEmail'],
      resources: sendingIdentities(props.email).map((identity) =>
        Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
      conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
    }));
    suppressNagFindings(this.sender, [
      { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole only lets the sender write its own logs.' },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'The sender reads and deletes any message under the email/ prefix of its own outbox bucket, and nothing else.',
        appliesTo: [{ regex: '/^Resource::<.*OutboxBucket.*\\.Arn>\\/email\\/\\*$/' }],
      },
    ]);
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(this.sender), { prefix: EMAIL_PREFIX });
  }

  /** Lets the running app drop messages into the outbox, and nothing more. */
  public grantSend(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(`${EMAIL_PREFIX}*`)],
    }));
    suppressNagFindings(role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'The app drops each outgoing message under a new key of the email/ prefix of its outbox bucket, and may do nothing else there.',
      appliesTo: [{ regex: '/^Resource::<.*OutboxBucket.*\\.Arn>\\/email\\/\\*$/' }],
    }]);
  }
}

/** The SES identities the sender may use: the one given, else the address and its domain. */
function sendingIdentities(email: EmailOptions): string[] {
  return email.identity ? [email.identity] : [email.fromAddress, email.fromAddress.split('@')[1]];
}
