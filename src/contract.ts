import * as fs from 'fs';
import * as path from 'path';

/** The runtime package's contract file, shipped inside this package: the one source of the names both sides use. */
const CONTRACT_FILE = path.join(__dirname, '..', 'runtime', 'src', 'wagtail_scale_to_zero_runtime', 'contract.json');

/** The computes an environment variable of the site is set on: the App Runner service, or the Lambda functions. */
export type ComputeKind = 'appRunner' | 'lambdaFunction';

/** An environment variable the construct sets for the site. */
export interface SiteVariable {
  /** The computes it is set on (on Lambda: the site function and the operator function alike). */
  readonly computes: ComputeKind[];
  /** Its value is a secret: a Secrets Manager reference, never a plain value in the template. */
  readonly secret?: boolean;
  /**
   * Its value is a secret that a custom resource derives at deployment (a masked attribute): a plain variable of the
   * compute, never a literal in the template.
   */
  readonly deployTimeSecret?: boolean;
  /** The compute itself sets it (App Runner sets PORT from the service's port). */
  readonly setByCompute?: boolean;
}

/** Header names, limits and environment variables shared by the construct, the runtime package and the sender. */
export interface Contract {
  /** The origin header whose secret value proves a request came through the distribution. */
  readonly originVerifyHeader: string;
  /** The request header carrying the viewer's host (CloudFront sends the origin's own Host). */
  readonly viewerHostHeader: string;
  /** The request header carrying the distribution's own domain, an allowed host of the app. */
  readonly distributionDomainHeader: string;
  /** The request header carrying the viewer's IP address (the password-reset limit per client counts by it). */
  readonly viewerAddressHeader: string;
  /** Headers the app trusts only from CloudFront or its proxy: the viewer function drops any spelling of them. */
  readonly trustedHeaders: string[];
  /** The header carrying the readiness token that /readyz asks for. */
  readonly readinessTokenHeader: string;
  /** The message whose HMAC-SHA256 keyed with SECRET_KEY is the readiness token. */
  readonly readinessTokenMessage: string;
  /** The message whose HMAC-SHA256 keyed with the database password is SECRET_KEY, unless the site gives its own. */
  readonly secretKeyMessage: string;
  /** The message whose HMAC-SHA256 keyed with the database password is CloudFront's origin value (`CdnOriginSecret`). */
  readonly cdnOriginMessage: string;
  /** The password-reset limits: the window, emails per address and requests per client in it. */
  readonly passwordResetWindowSeconds: number;
  readonly passwordResetEmailsPerAddress: number;
  readonly passwordResetRequestsPerClient: number;
  /** The outbox prefix of the app's email messages (raw MIME). */
  readonly emailPrefix: string;
  /** Recipients of one outbox email object at most: SES's limit per message (the app splits larger sends). */
  readonly emailRecipientsPerObject: number;
  /** The outbox prefix of the app's CloudFront purge requests (`{"paths": [...]}`). */
  readonly purgePrefix: string;
  /** The page-cache bucket's prefix of cached pages and the generation. */
  readonly pageCachePrefix: string;
  /** Path prefixes of Wagtail's and Django's admin: CloudFront never caches them, nor does the page cache. */
  readonly adminPaths: string[];
  /** The alias of the site's Lambda function that its Function URL and the operator path use. */
  readonly liveAlias: string;
  /** The outbox prefix of the app's publishing-schedule requests (`{"at": "<UTC minute>Z" | null}`). */
  readonly schedulePrefix: string;
  /** The name of the one publishing schedule in the stack's schedule group. */
  readonly publishingScheduleName: string;
  /** The management command the publishing schedule runs through the operator path. */
  readonly publishingScheduleCommand: string;
  /** Where content travels in and out (import, export): a prefix of the media bucket whose objects expire. */
  readonly transferPrefix: string;
  /** Days an object under `transferPrefix` lives (current and noncurrent versions). */
  readonly transferDays: number;
  /** Lifetime of the presigned URLs the operator CLI moves transfer files with. */
  readonly transferUrlSeconds: number;
  /** The database's PostgreSQL major version: the cluster's engine and the image's pg_dump and pg_restore. */
  readonly postgresMajorVersion: number;
  /** Every environment variable the construct sets for the site, and where; users may set none of them. */
  readonly environment: Record<string, SiteVariable>;
  /** Variables the runtime reads that a site owner may set (`environment`) and the construct does not. */
  readonly siteEnvironment: string[];
  /** Those of `siteEnvironment` that hold secrets: a site passes them in `environmentSecrets`, never in `environment`. */
  readonly secretSiteEnvironment: string[];
  /** Variables the runtime reads that AWS sets. */
  readonly platformEnvironment: string[];
  /** Every environment variable the outbox sender reads. */
  readonly senderEnvironment: string[];
}

/** The contract, read from the runtime package. */
export const CONTRACT: Contract = JSON.parse(fs.readFileSync(CONTRACT_FILE, 'utf-8')) as Contract;

/** `environment` without the contract's variables that are not for `compute` (a user's own variables stay). */
export function environmentFor(compute: ComputeKind, environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([name]) =>
    !(name in CONTRACT.environment) || CONTRACT.environment[name].computes.includes(compute)));
}
