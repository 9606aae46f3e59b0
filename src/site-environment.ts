import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EnvironmentSecret } from './environment-secret';
import { RuntimeDefaults, runtimeEnvironment } from './runtime-defaults';
import { ResolvedSettings } from './settings';
import { WagtailScaleToZeroProps } from './wagtail-scale-to-zero-props';

/** What the site's environment names: the user's props and settings, and the resources the construct made for it. */
export interface SiteEnvironmentParts {
  readonly props: WagtailScaleToZeroProps;
  readonly settings: ResolvedSettings;
  readonly runtime: RuntimeDefaults;
  readonly region: string;
  /** The app's exact hosts and https origins (see `allowedHostsAndOrigins`). */
  readonly hosts: string[];
  readonly origins: string[];
  readonly outboxBucket: s3.IBucket;
  readonly mediaBucket: s3.IBucket;
  readonly pageCacheBucket: s3.IBucket;
  readonly databaseSecret: secretsmanager.ISecret;
  /** The value CloudFront sends in `X-Origin-Verify` (a deployment-time token). @default - none without CloudFront */
  readonly originSecret?: string;
}

/**
 * The site's plain variables and secrets, the same on every compute (each compute drops what is not for it, see
 * `environmentFor`); every name is in the contract's `environment`, which test/contract.test.ts checks.
 */
export function siteEnvironment(parts: SiteEnvironmentParts): { environment: Record<string, string>; secrets: Record<string, EnvironmentSecret> } {
  const { props, settings, hosts, origins } = parts;
  const outbox = parts.outboxBucket.bucketName;
  return {
    environment: {
      ...props.environment,
      ...runtimeEnvironment(parts.runtime),
      ...(props.email ? { EMAIL_OUTBOX_BUCKET: outbox, DJANGO_DEFAULT_FROM_EMAIL: props.email.fromAddress } : {}),
      ...(settings.cdn ? { CDN_PURGE_OUTBOX_BUCKET: outbox } : {}),
      SCHEDULE_OUTBOX_BUCKET: outbox,
      ...(props.domainName ? { WAGTAILADMIN_BASE_URL: `https://${props.domainName}` } : {}),
      DATABASE_NAME: settings.databaseName,
      ...(hosts.length ? { DJANGO_ALLOWED_HOSTS: hosts.join(',') } : {}),
      ...(origins.length ? { DJANGO_CSRF_TRUSTED_ORIGINS: origins.join(',') } : {}),
      AWS_STORAGE_BUCKET_NAME: parts.mediaBucket.bucketName,
      PAGE_CACHE_BUCKET: parts.pageCacheBucket.bucketName,
      AWS_S3_REGION_NAME: parts.region,
      ...(parts.originSecret ? { CDN_ORIGIN_SECRET: parts.originSecret } : {}),
      DJANGO_SUPERUSER_USERNAME: settings.adminUsername,
      ...(props.adminEmail ? { DJANGO_SUPERUSER_EMAIL: props.adminEmail } : {}),
    },
    secrets: {
      ...props.environmentSecrets,
      DATABASE_SECRET: EnvironmentSecret.fromSecretsManager(parts.databaseSecret),
    },
  };
}

/**
 * The exact hosts and https origins the app (ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS) and the media bucket's CORS accept.
 * Behind CloudFront only the custom domain is named here: the distribution's own domain cannot be (the distribution
 * needs the compute as its origin, so the compute's environment cannot name the distribution), so CloudFront's
 * viewer function sends it in a header that the app trusts only beside the origin secret. Without CloudFront readers
 * reach the compute's own URL, which its environment cannot name either: the compute's domain in this region stands in.
 */
export function allowedHostsAndOrigins(cdn: boolean, domainName: string | undefined, computeDomain: string): { hosts: string[]; origins: string[] } {
  const custom = domainName ? [domainName] : [];
  const hosts = cdn ? custom : [`.${computeDomain}`, ...custom];
  const origins = [...(cdn ? [] : [`https://*.${computeDomain}`]), ...custom.map((d) => `https://${d}`)];
  return { hosts, origins };
}
