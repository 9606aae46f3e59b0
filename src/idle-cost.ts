import { ResolvedSettings } from './settings';

/** List prices in USD, us-east-1, checked 2026-11-28 (AWS pricing pages); other regions differ by a few percent. */
export const PRICES = {
  appRunnerMemoryGbHour: 0.007,
  appRunnerAutomaticDeploymentsMonth: 1.0,
  secretMonth: 0.40,
  auroraStorageGbMonth: 0.10,
  s3StandardGbMonth: 0.023,
  ecrStorageGbMonth: 0.10,
};
export const HOURS_PER_MONTH = 730;

/** What an idle stack stores, assumed: a small site's database and media, and one compressed image. */
export const ASSUMED = { auroraGb: 1, mediaGb: 1, imageGb: 0.1 };

/** The secrets the construct creates: database credentials, SECRET_KEY, the first admin's password. */
export const CONSTRUCT_SECRETS = 3;

/** One line of the idle bill. */
export interface IdleCostItem {
  readonly item: string;
  readonly usdPerMonth: number;
}

/**
 * The monthly bill of a stack nobody uses: what stays provisioned or stored. Paused Aurora, an unused Lambda
 * function, the email sender and the S3 gateway endpoint cost nothing; requests, data transfer and logs are use.
 */
export function idleCost(settings: ResolvedSettings): IdleCostItem[] {
  const items: IdleCostItem[] = [];
  if (settings.appRunner) {
    const memoryGb = parseFloat(settings.appRunner.memory);
    items.push({
      item: `App Runner: ${settings.appRunner.minInstances} provisioned instance(s) x ${memoryGb} GB, memory only while idle`,
      usdPerMonth: settings.appRunner.minInstances * memoryGb * PRICES.appRunnerMemoryGbHour * HOURS_PER_MONTH,
    });
    items.push({ item: 'App Runner automatic deployments', usdPerMonth: PRICES.appRunnerAutomaticDeploymentsMonth });
  } else {
    items.push({ item: 'Lambda function and Function URL, no requests', usdPerMonth: 0 });
  }
  items.push({ item: 'Aurora Serverless v2 paused at 0 ACU', usdPerMonth: 0 });
  items.push({ item: `Aurora storage, ${ASSUMED.auroraGb} GB`, usdPerMonth: ASSUMED.auroraGb * PRICES.auroraStorageGbMonth });
  items.push({ item: `Secrets Manager, ${CONSTRUCT_SECRETS} secrets`, usdPerMonth: CONSTRUCT_SECRETS * PRICES.secretMonth });
  items.push({ item: `S3 media, ${ASSUMED.mediaGb} GB`, usdPerMonth: ASSUMED.mediaGb * PRICES.s3StandardGbMonth });
  items.push({
    item: `ECR, up to ${settings.imagesToKeep} images of about ${ASSUMED.imageGb} GB compressed`,
    usdPerMonth: settings.imagesToKeep * ASSUMED.imageGb * PRICES.ecrStorageGbMonth,
  });
  items.push({ item: 'VPC without NAT, S3 gateway endpoint, email sender', usdPerMonth: 0 });
  return items;
}

/** The sum of the items, rounded to the cent. */
export function totalOf(items: IdleCostItem[]): number {
  return Math.round(items.reduce((sum, i) => sum + i.usdPerMonth, 0) * 100) / 100;
}
