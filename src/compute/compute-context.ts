import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EnvironmentSecret } from '../environment-secret';
import { WagtailImageConfig } from '../image';

/** What every compute gets from the construct. */
export interface ComputeContext {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly image: WagtailImageConfig;
  /** The port the image's web server listens on. */
  readonly port: number;
  /** Plain environment variables. */
  readonly environment: Record<string, string>;
  /** Environment variables whose values are secrets: the construct's own and the user's. */
  readonly secrets: Record<string, EnvironmentSecret>;
  readonly logRetention: logs.RetentionDays;
}

/** What the construct needs back from a compute. */
export interface ComputeResources {
  /** The compute's own https URL (behind CloudFront, only CloudFront calls it). */
  readonly url: string;
  /** The host name of `url`. */
  readonly domainName: string;
  /** The role the running app has. */
  readonly role: iam.IRole;
  /** The network identity the database must admit. */
  readonly connections: ec2.Connections;
}
