import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { WagtailCompute } from './compute/wagtail-compute';
import { EmailOptions } from './email-options';
import { EnvironmentSecret } from './environment-secret';
import { WagtailImage } from './image';
import { MonitoringOptions } from './monitoring/monitoring-options';
import { WebApplicationFirewall } from './web-application-firewall';

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
