import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { ERROR_RATE_PERCENT, FailureQueue, LATENCY_P95_MS, MonitoredResources } from './alarm-plan';
import { ComputeMetrics, PERIOD } from './metrics';

/** What the dashboard shows besides the metrics: the limits each graph is drawn against, and the alarms. */
export interface DashboardProps {
  readonly resources: MonitoredResources;
  /** App Runner's maxInstances or Lambda's maxConcurrency. */
  readonly maxInstances: number;
  /** database.maxCapacity in ACU. */
  readonly maxCapacity: number;
  /** The connection budget, when known at synth. */
  readonly maxDatabaseConnections?: number;
  readonly alarms: cloudwatch.IAlarm[];
}

const WIDTH = 8;
const HEIGHT = 6;

/**
 * The page an owner opens to see whether the site answers and whether it scales to zero: traffic, errors and
 * response time, the compute against its limit, the database's capacity, the time it spent paused and its
 * connections, failed deliveries, and with CloudFront the requests its cache answered.
 */
export function createDashboard(scope: Construct, id: string, props: DashboardProps): cloudwatch.Dashboard {
  const { resources } = props;
  const compute = (resources.appRunner ?? resources.lambdaFunction)!;
  const dashboard = new cloudwatch.Dashboard(scope, id);
  dashboard.addWidgets(new cloudwatch.TextWidget({
    markdown: '# Wagtail CMS\nDoes the site answer, and does it scale to zero? Every graph sums or samples 5-minute periods; ' +
      'CloudFront\'s metrics come from us-east-1, the only region that has them.',
    width: 24,
    height: 2,
  }));
  if (props.alarms.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24, height: 3 }));
  }
  dashboard.addWidgets(requestsGraph(resources, compute), errorRateGraph(resources, compute), latencyGraph(compute));
  dashboard.addWidgets(...computeGraphs(resources, props.maxInstances));
  dashboard.addWidgets(...databaseGraphs(resources, props.maxCapacity, props.maxDatabaseConnections));
  if (resources.failureQueues.length > 0) {
    dashboard.addWidgets(failedDeliveriesGraph(resources.failureQueues));
  }
  return dashboard;
}

/** Viewer requests at CloudFront beside the requests that reached the compute (the cache's misses). */
function requestsGraph(resources: MonitoredResources, compute: ComputeMetrics): cloudwatch.IWidget {
  const left: cloudwatch.IMetric[] = [compute.requests.with({ label: `${compute.label} requests` })];
  if (resources.cdn) {
    left.unshift(resources.cdn.requests.with({ label: 'CloudFront viewer requests' }));
  }
  return new cloudwatch.GraphWidget({ title: 'Requests', left, width: WIDTH, height: HEIGHT });
}

/**
 * The share of requests answered 5xx, at the compute and at CloudFront. In us-east-1 it adds the share of viewer
 * requests CloudFront answered without the compute: 1 - compute requests / viewer requests. (CloudFront's own
 * CacheHitRate is an additional metric, billed per distribution; metric math across regions is not relied on.)
 */
function errorRateGraph(resources: MonitoredResources, compute: ComputeMetrics): cloudwatch.IWidget {
  const left: cloudwatch.IMetric[] = [new cloudwatch.MathExpression({
    expression: '100 * FILL(errors, 0) / requests',
    usingMetrics: { errors: compute.serverErrors, requests: compute.requests },
    label: `${compute.label} 5xx responses (%)`,
    period: PERIOD,
  })];
  const right: cloudwatch.IMetric[] = [];
  if (resources.cdn) {
    left.push(resources.cdn.serverErrorRate.with({ label: 'CloudFront 5xx responses (%)' }));
    if (resources.cdnAlarms) {
      right.push(new cloudwatch.MathExpression({
        expression: '100 * (1 - FILL(origin, 0) / viewers)',
        usingMetrics: { origin: compute.requests, viewers: resources.cdn.requests },
        label: 'Answered by CloudFront without the compute (%)',
        period: PERIOD,
      }));
    }
  }
  return new cloudwatch.GraphWidget({
    title: 'Server errors (%)',
    left,
    right,
    leftAnnotations: [{ value: ERROR_RATE_PERCENT, label: 'alarm' }],
    width: WIDTH,
    height: HEIGHT,
  });
}

function latencyGraph(compute: ComputeMetrics): cloudwatch.IWidget {
  return new cloudwatch.GraphWidget({
    title: `${compute.label} response time (ms)`,
    left: [compute.latency('p50').with({ label: 'median' }), compute.latency('p95').with({ label: '95th percentile' })],
    leftAnnotations: [{ value: LATENCY_P95_MS, label: 'alarm (p95)' }],
    width: WIDTH,
    height: HEIGHT,
  });
}

/** The compute against its limit: App Runner's instances, or Lambda's concurrency, throttles and errors. */
function computeGraphs(resources: MonitoredResources, maxInstances: number): cloudwatch.IWidget[] {
  if (resources.appRunner) {
    return [new cloudwatch.GraphWidget({
      title: 'App Runner instances',
      left: [resources.appRunner.activeInstances.with({ label: 'active instances' })],
      leftAnnotations: [{ value: maxInstances, label: 'maxInstances' }],
      width: WIDTH,
      height: HEIGHT,
    })];
  }
  const lambdaFunction = resources.lambdaFunction!;
  return [
    new cloudwatch.GraphWidget({
      title: 'Lambda concurrent requests',
      left: [lambdaFunction.concurrentExecutions.with({ label: 'concurrent executions' })],
      leftAnnotations: [{ value: maxInstances, label: 'maxConcurrency' }],
      width: WIDTH,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda throttles and errors',
      left: [lambdaFunction.throttles.with({ label: 'throttles' }), lambdaFunction.functionErrors.with({ label: 'errors' })],
      width: WIDTH,
      height: HEIGHT,
    }),
  ];
}

/**
 * Capacity between 0 and the maximum, whether the database was paused (a paused cluster reports 0 ACU, its only
 * metric then), and connections against the budget.
 */
function databaseGraphs(resources: MonitoredResources, maxCapacity: number, budget?: number): cloudwatch.IWidget[] {
  const { database } = resources;
  return [
    new cloudwatch.GraphWidget({
      title: 'Database capacity (ACU)',
      left: [database.capacity('Maximum').with({ label: 'maximum' }), database.capacity('Minimum').with({ label: 'minimum' })],
      leftAnnotations: [{ value: maxCapacity, label: 'maxCapacity' }],
      width: WIDTH,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Database paused (1 = yes)',
      left: [
        new cloudwatch.MathExpression({
          expression: 'IF(highest == 0, 1, 0)',
          usingMetrics: { highest: database.capacity('Maximum') },
          label: 'paused the whole period',
          period: PERIOD,
        }),
        new cloudwatch.MathExpression({
          expression: 'IF(lowest == 0, 1, 0)',
          usingMetrics: { lowest: database.capacity('Minimum') },
          label: 'paused during the period',
          period: PERIOD,
        }),
      ],
      leftYAxis: { min: 0, max: 1 },
      width: WIDTH,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Database connections',
      left: [database.connections.with({ label: 'open connections' })],
      leftAnnotations: budget === undefined ? [] : [{ value: budget, label: 'budget at full scale' }],
      width: WIDTH,
      height: HEIGHT,
    }),
  ];
}

function failedDeliveriesGraph(failureQueues: FailureQueue[]): cloudwatch.IWidget {
  return new cloudwatch.GraphWidget({
    title: 'Failed deliveries waiting',
    left: failureQueues.map((f) => f.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD, label: f.name })),
    width: WIDTH,
    height: HEIGHT,
  });
}
