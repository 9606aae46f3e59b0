import { alarmMetricCount, plannedAlarms } from './monitoring/alarm-plan';
import { ResolvedSettings } from './settings';

/** List prices in USD, us-east-1, checked 2026-11-28 (AWS pricing pages); other regions differ by a few percent. */
export const PRICES = {
  appRunnerMemoryGbHour: 0.007,
  appRunnerAutomaticDeploymentsMonth: 1.0,
  secretMonth: 0.40,
  auroraStorageGbMonth: 0.10,
  s3StandardGbMonth: 0.023,
  ecrStorageGbMonth: 0.10,
  /** A standard-resolution alarm, per metric it evaluates (a metric-math alarm pays for each metric in it). */
  alarmMetricMonth: 0.10,
  /** A dashboard beyond the account's first three, which are free. */
  dashboardMonth: 3.0,
  /** An AWS WAF web ACL, and each rule or rule group in it. */
  webAclMonth: 5.0,
  webAclRuleMonth: 1.0,
};
export const HOURS_PER_MONTH = 730;

/** What an idle stack stores, assumed: a small site's database and media, and one compressed image. */
export const ASSUMED = { auroraGb: 1, mediaGb: 1, imageGb: 0.1 };

/**
 * The secrets the construct creates: the database credentials. SECRET_KEY and CloudFront's origin value are derived
 * from them, and the first admin's password is kept nowhere.
 */
export const CONSTRUCT_SECRETS = 1;
/** The rules of the web ACL `WebApplicationFirewall.managed()` creates: AWS's common rule set and the sign-in limit. */
export const MANAGED_WEB_ACL_RULES = 2;

/** One line of the idle bill. */
export interface IdleCostItem {
  readonly item: string;
  readonly usdPerMonth: number;
}

/**
 * The monthly bill of a stack nobody uses: what stays provisioned or stored, and the alarms, billed per metric
 * whether or not anything happens. Paused Aurora, an unused Lambda function, the email sender, the S3 gateway
 * endpoint and the alarm topic cost nothing; requests, data transfer, logs and notifications are use.
 */
export function idleCost(settings: ResolvedSettings): IdleCostItem[] {
  const items: IdleCostItem[] = [];
  if (settings.compute.kind === 'appRunner') {
    const { minInstances, memory } = settings.compute;
    const memoryGb = parseFloat(memory);
    items.push({
      item: `App Runner: ${minInstances} provisioned instance(s) x ${memoryGb} GB, memory only while idle`,
      usdPerMonth: minInstances * memoryGb * PRICES.appRunnerMemoryGbHour * HOURS_PER_MONTH,
    });
    items.push({ item: 'App Runner automatic deployments', usdPerMonth: PRICES.appRunnerAutomaticDeploymentsMonth });
  } else {
    items.push({ item: 'Lambda function and Function URL, no requests', usdPerMonth: 0 });
  }
  items.push({ item: 'Aurora Serverless v2 paused at 0 ACU', usdPerMonth: 0 });
  items.push({ item: `Aurora storage, ${ASSUMED.auroraGb} GB`, usdPerMonth: ASSUMED.auroraGb * PRICES.auroraStorageGbMonth });
  items.push({ item: `Secrets Manager, ${CONSTRUCT_SECRETS} secret`, usdPerMonth: CONSTRUCT_SECRETS * PRICES.secretMonth });
  items.push({ item: `S3 media, ${ASSUMED.mediaGb} GB`, usdPerMonth: ASSUMED.mediaGb * PRICES.s3StandardGbMonth });
  items.push({
    item: `ECR, up to ${settings.imagesToKeep} images of about ${ASSUMED.imageGb} GB compressed`,
    usdPerMonth: settings.imagesToKeep * ASSUMED.imageGb * PRICES.ecrStorageGbMonth,
  });
  items.push({ item: 'VPC without NAT, S3 gateway endpoint, outbox sender, page cache bucket (a few MB)', usdPerMonth: 0 });
  if (settings.cdn) {
    items.push({ item: 'CloudFront distribution and function, no requests', usdPerMonth: 0 });
  }
  if (settings.createsWebAcl) {
    items.push({
      item: `AWS WAF web ACL with ${MANAGED_WEB_ACL_RULES} rules`,
      usdPerMonth: PRICES.webAclMonth + MANAGED_WEB_ACL_RULES * PRICES.webAclRuleMonth,
    });
  }
  const alarmMetrics = alarmMetricCount(plannedAlarms(settings));
  if (alarmMetrics > 0) {
    items.push({ item: `CloudWatch alarms, ${alarmMetrics} alarm metrics`, usdPerMonth: alarmMetrics * PRICES.alarmMetricMonth });
  }
  if (settings.monitoring.dashboard) {
    items.push({
      item: `CloudWatch dashboard ($${PRICES.dashboardMonth.toFixed(2)} beyond the account's three free dashboards)`,
      usdPerMonth: 0,
    });
  }
  return items;
}

/** The sum of the items, rounded to the cent. */
export function totalOf(items: IdleCostItem[]): number {
  return Math.round(items.reduce((sum, i) => sum + i.usdPerMonth, 0) * 100) / 100;
}
