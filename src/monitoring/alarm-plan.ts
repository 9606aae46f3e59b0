import { Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AppRunnerMetrics, CdnMetrics, ComputeMetrics, DatabaseMetrics, LambdaFunctionMetrics, PERIOD } from './metrics';
import { maxDatabaseConnections, ResolvedSettings } from '../settings';

/** A queue whose visible messages are deliveries that failed every retry. */
export interface FailureQueue {
  /** What is delivered, as the alarm's id begins (e.g. 'Email'). */
  readonly name: string;
  readonly queue: sqs.IQueue;
  /** What the operator does when a record lands there. */
  readonly remedy: string;
}

/** What the alarms watch. */
export interface MonitoredResources {
  /** Set with the App Runner compute. */
  readonly appRunner?: AppRunnerMetrics;
  /** Set with the Lambda compute. */
  readonly lambdaFunction?: LambdaFunctionMetrics;
  readonly database: DatabaseMetrics;
  /** Set when the site has a CloudFront distribution. */
  readonly cdn?: CdnMetrics;
  /** Whether the error-rate alarm can use CloudFront's metrics: only a stack in us-east-1 can alarm on them. */
  readonly cdnAlarms: boolean;
  /** In the order of the plan's failed-delivery alarms. */
  readonly failureQueues: FailureQueue[];
}

/** One alarm, fully described; it fires when the metric is at or above the threshold in every evaluated period. */
export interface AlarmDefinition {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** Consecutive periods (of `PERIOD`) that must all breach. */
  readonly evaluationPeriods: number;
  /** Set on percentile alarms: too few requests leave the alarm as it is. */
  readonly evaluateLowSampleCountPercentile?: string;
  /** What happened and what to do; the alarm's description, which its notifications carry. */
  readonly description: string;
}

/** An alarm the construct will create, and what it costs. */
export interface PlannedAlarm {
  /** Metrics the alarm evaluates: CloudWatch bills each as one standard alarm metric. */
  readonly metrics: number;
  define(resources: MonitoredResources): AlarmDefinition;
}

/** A 5xx rate means nothing on a handful of requests: one failure in two would read 50 %. */
export const MIN_REQUESTS_FOR_ERROR_RATE = 10;
/** Share of requests, in percent, answered 5xx in two consecutive periods that fires the error-rate alarm. */
export const ERROR_RATE_PERCENT = 5;
/** p95 response time, in milliseconds, held for three periods; a Wagtail page normally answers well under 1 s. */
export const LATENCY_P95_MS = 3000;
/** Lambda refusals per period, in two consecutive periods: sustained refusal, not a one-off burst. */
export const THROTTLES_PER_PERIOD = 5;
/** Crashed or timed-out invocations in one period. */
export const FUNCTION_ERRORS_PER_PERIOD = 5;
/** Share of the connection budget, in percent, open in two consecutive periods. */
export const CONNECTIONS_PERCENT_OF_BUDGET = 80;

/**
 * The alarms the construct creates for these settings, each with its metric count, so that the idle cost and the
 * construct read one list. Every alarm treats missing data as not breaching: an idle site publishes no request
 * metrics and a paused database no connections, and neither is a fault.
 */
export function plannedAlarms(settings: ResolvedSettings): PlannedAlarm[] {
  if (!settings.monitoring.alarms) {
    return [];
  }
  const alarms: PlannedAlarm[] = [
    { metrics: 2, define: (r) => r.cdnAlarms ? cdnErrorRateAlarm(r.cdn!) : computeErrorRateAlarm(computeOf(r)) },
    { metrics: 1, define: (r) => latencyAlarm(computeOf(r)) },
  ];
  if (settings.compute.kind === 'appRunner') {
    const { minInstances, maxInstances } = settings.compute;
    // A fixed size (minInstances equal to maxInstances) runs "at the maximum" every busy minute: nothing to warn about.
    const fixedSize = !Token.isUnresolved(minInstances) && !Token.isUnresolved(maxInstances) && minInstances === maxInstances;
    if (!fixedSize) {
      alarms.push({ metrics: 1, define: (r) => instancesAtMaximumAlarm(r.appRunner!, maxInstances) });
    }
  } else {
    alarms.push({ metrics: 1, define: (r) => throttlesAlarm(r.lambdaFunction!) });
    alarms.push({ metrics: 1, define: (r) => functionErrorsAlarm(r.lambdaFunction!) });
  }
  alarms.push({ metrics: 1, define: (r) => databaseAtMaximumAlarm(r.database, settings.maxCapacity) });
  const budget = maxDatabaseConnections(settings);
  // A budget only known at deployment (a token maxInstances) gives no threshold to write into the template.
  if (budget !== undefined) {
    alarms.push({ metrics: 1, define: (r) => databaseConnectionsAlarm(r.database, budget) });
  }
  for (let i = 0; i < settings.monitoring.failureQueues; i++) {
    alarms.push({ metrics: 1, define: (r) => failedDeliveriesAlarm(r.failureQueues[i]) });
  }
  return alarms;
}

/** The sum of the plan's alarm metrics. */
export function alarmMetricCount(alarms: PlannedAlarm[]): number {
  return alarms.reduce((sum, alarm) => sum + alarm.metrics, 0);
}

function computeOf(resources: MonitoredResources): ComputeMetrics {
  return (resources.appRunner ?? resources.lambdaFunction)!;
}

/**
 * Server errors at the compute: the share of requests answered 5xx, once a period has enough requests to make a
 * share meaningful. Its two metrics are the 5xx count and the request count.
 */
function computeErrorRateAlarm(compute: ComputeMetrics): AlarmDefinition {
  return {
    id: 'ServerErrorRate',
    metric: new cloudwatch.MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_ERROR_RATE}, 100 * FILL(errors, 0) / requests, 0)`,
      usingMetrics: { requests: compute.requests, errors: compute.serverErrors },
      label: `${compute.label} 5xx responses (%)`,
      period: PERIOD,
    }),
    threshold: ERROR_RATE_PERCENT,
    evaluationPeriods: 2,
    description: `${ERROR_RATE_PERCENT}% or more of the ${compute.label} requests were answered with a server error (5xx) for 10 minutes. ` +
      'Read the tracebacks in the site\'s application logs. If a deployment just happened, deploy the previous image again. ' +
      'Database errors right after a quiet period mean requests gave up while the database resumed.',
  };
}

/**
 * Server errors where viewers enter: CloudFront's own 5xx rate, which also counts the 502 and 504 CloudFront
 * answers when it cannot reach the compute. Its two metrics are the rate and the request count.
 */
function cdnErrorRateAlarm(cdn: CdnMetrics): AlarmDefinition {
  return {
    id: 'ServerErrorRate',
    metric: new cloudwatch.MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_ERROR_RATE}, FILL(errorRate, 0), 0)`,
      usingMetrics: { requests: cdn.requests, errorRate: cdn.serverErrorRate },
      label: 'CloudFront 5xx responses (%)',
      period: PERIOD,
    }),
    threshold: ERROR_RATE_PERCENT,
    evaluationPeriods: 2,
    description: `${ERROR_RATE_PERCENT}% or more of the viewer requests to CloudFront were answered with a server error (5xx) for 10 minutes. ` +
      '502 and 504 mean CloudFront could not reach or wait for the compute: open the site\'s origin URL and the compute\'s logs. ' +
      'Other 5xx come from the site: read the tracebacks in its application logs, and after a deployment deploy the previous image again.',
  };
}

/**
 * Slow responses: the 95th percentile of the compute's response time. Percentiles on fewer than 200 requests a
 * period are not significant for CloudWatch and leave the alarm as it is, so the requests that wait for the
 * database to resume after a quiet period never page anyone.
 */
function latencyAlarm(compute: ComputeMetrics): AlarmDefinition {
  return {
    id: 'Latency',
    metric: compute.latency('p95'),
    threshold: LATENCY_P95_MS,
    evaluationPeriods: 3,
    evaluateLowSampleCountPercentile: 'ignore',
    description: `The slowest 5% of the ${compute.label} requests took ${LATENCY_P95_MS / 1000} s or more for 15 minutes, under steady traffic. ` +
      'On the dashboard, if the database is at its maximum capacity raise database.maxCapacity; ' +
      'if the compute is at its maximum raise its limit; otherwise look for slow views in the application logs.',
  };
}

/** App Runner running every instance it may: more traffic queues, then is refused. */
function instancesAtMaximumAlarm(appRunner: AppRunnerMetrics, maxInstances: number): AlarmDefinition {
  return {
    id: 'InstancesAtMaximum',
    metric: appRunner.activeInstances,
    threshold: maxInstances,
    evaluationPeriods: 3,
    description: `App Runner ran its maximum number of instances (appRunner.maxInstances, ${maxInstances}) for 15 minutes: further requests wait or are refused (429). ` +
      'If the traffic is real, raise appRunner.maxInstances (synth checks it against the database connection budget) or appRunner.maxConcurrency; ' +
      'if it is a crawler or an attack, block it (a web application firewall helps).',
  };
}

/** Lambda refusing requests because every allowed execution environment is busy. */
function throttlesAlarm(lambdaFunction: LambdaFunctionMetrics): AlarmDefinition {
  return {
    id: 'Throttles',
    metric: lambdaFunction.throttles,
    threshold: THROTTLES_PER_PERIOD,
    evaluationPeriods: 2,
    description: `Lambda refused ${THROTTLES_PER_PERIOD} or more requests (429) in each of two 5-minute periods: every execution environment lambdaFunction.maxConcurrency allows was busy. ` +
      'If the traffic is real, raise lambdaFunction.maxConcurrency (synth checks it against the database connection budget; the account\'s concurrency quota must allow it); ' +
      'if it is a crawler or an attack, block it (a web application firewall helps).',
  };
}

/** Invocations that crashed or ran out of time; each one is an error page for a visitor. */
function functionErrorsAlarm(lambdaFunction: LambdaFunctionMetrics): AlarmDefinition {
  return {
    id: 'FunctionErrors',
    metric: lambdaFunction.functionErrors,
    threshold: FUNCTION_ERRORS_PER_PERIOD,
    evaluationPeriods: 1,
    description: `The function crashed or timed out on ${FUNCTION_ERRORS_PER_PERIOD} or more requests in 5 minutes. ` +
      'Read its log group: a timeout means a slow view or a request that waited too long for the database to resume (raise lambdaFunction.timeout); ' +
      'a crash right after a deployment means deploying the previous image again.',
  };
}

/** Aurora held at its maximum capacity: queries slow down and wait. A paused database reports 0, far below. */
function databaseAtMaximumAlarm(database: DatabaseMetrics, maxCapacity: number): AlarmDefinition {
  return {
    id: 'DatabaseAtMaximumCapacity',
    metric: database.capacity('Maximum'),
    threshold: maxCapacity,
    evaluationPeriods: 3,
    description: `Aurora reached its maximum capacity (database.maxCapacity, ${maxCapacity} ACU) in each of three 5-minute periods: queries slow down. ` +
      'If the traffic is real, raise database.maxCapacity; otherwise find the expensive queries (pg_stat_statements) or the crawler behind them.',
  };
}

/**
 * Connections near what the whole site may open at full scale (the connection budget synth checks). Reaching it
 * means the site is at full scale or something else holds connections, which also keeps the database awake.
 */
function databaseConnectionsAlarm(database: DatabaseMetrics, budget: number): AlarmDefinition {
  const threshold = Math.ceil(budget * CONNECTIONS_PERCENT_OF_BUDGET / 100);
  return {
    id: 'DatabaseConnections',
    metric: database.connections,
    threshold,
    evaluationPeriods: 2,
    description: `${threshold} or more database connections were open in each of two 5-minute periods, ${CONNECTIONS_PERCENT_OF_BUDGET}% of the ${budget} the site opens at full scale. ` +
      'If the compute is not at its maximum, something else holds connections (an operator\'s session, another application): list them in pg_stat_activity. ' +
      'If it is, requests are about to wait for connections: raise database.maxCapacity and the compute\'s limit together.',
  };
}

/** A delivery that failed every retry: its record waits in the queue until someone acts. */
function failedDeliveriesAlarm(failureQueue: FailureQueue): AlarmDefinition {
  return {
    id: `${failureQueue.name}FailedDeliveries`,
    metric: failureQueue.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD }),
    threshold: 1,
    evaluationPeriods: 1,
    description: failureQueue.remedy,
  };
}
