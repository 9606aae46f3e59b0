import { Duration, Fn } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import { CONTRACT } from '../contract';

/** The period every alarm and graph aggregates over. */
export const PERIOD = Duration.minutes(5);

/** CloudFront publishes its metrics in this region only. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

/**
 * What traffic does at the compute. Only CloudWatch metrics the services publish by themselves: reading them
 * never connects to the database, so neither the alarms nor the dashboard keep it awake.
 */
export interface ComputeMetrics {
  /** How the graphs name the compute. */
  readonly label: string;
  /** Requests received (Sum). */
  readonly requests: cloudwatch.Metric;
  /** Requests answered with a 5xx status (Sum). */
  readonly serverErrors: cloudwatch.Metric;
  /** Time to answer a request, in milliseconds, at the given percentile statistic (e.g. 'p95'). */
  latency(statistic: string): cloudwatch.Metric;
}

/** App Runner's service-level metrics. */
export interface AppRunnerMetrics extends ComputeMetrics {
  /** Instances processing requests (Maximum). */
  readonly activeInstances: cloudwatch.Metric;
}

/** The Lambda function's metrics, on the alias the Function URL serves. */
export interface LambdaFunctionMetrics extends ComputeMetrics {
  /** Requests Lambda refused because every allowed execution environment was busy (Sum). */
  readonly throttles: cloudwatch.Metric;
  /** Invocations that crashed or timed out (Sum). */
  readonly functionErrors: cloudwatch.Metric;
  /** Requests served at the same time (Maximum). */
  readonly concurrentExecutions: cloudwatch.Metric;
}

/** App Runner publishes service-level metrics under the service's name and id. */
export function appRunnerMetrics(service: apprunner.CfnService): AppRunnerMetrics {
  const dimensionsMap = {
    // The service ARN ends in service/<name>/<id>.
    ServiceName: Fn.select(1, Fn.split('/', service.attrServiceArn)),
    ServiceID: service.attrServiceId,
  };
  const metric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({ namespace: 'AWS/AppRunner', metricName, dimensionsMap, statistic, period: PERIOD });
  return {
    label: 'App Runner',
    requests: metric('Requests', 'Sum'),
    serverErrors: metric('5xxStatusResponses', 'Sum'),
    latency: (statistic) => metric('RequestLatency', statistic),
    activeInstances: metric('ActiveInstances', 'Maximum'),
  };
}

/**
 * Function URL and invocation metrics of the alias `live` (dimension Resource `<function>:live`), so the
 * migrations each deployment runs on the new version count neither as requests nor as errors.
 */
export function lambdaFunctionMetrics(fn: lambda.IFunction): LambdaFunctionMetrics {
  const dimensionsMap = { FunctionName: fn.functionName, Resource: `${fn.functionName}:${CONTRACT.liveAlias}` };
  const metric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap, statistic, period: PERIOD });
  return {
    label: 'Function URL',
    requests: metric('UrlRequestCount', 'Sum'),
    serverErrors: metric('Url5xxCount', 'Sum'),
    latency: (statistic) => metric('UrlRequestLatency', statistic),
    throttles: metric('Throttles', 'Sum'),
    functionErrors: metric('Errors', 'Sum'),
    concurrentExecutions: metric('ConcurrentExecutions', 'Maximum'),
  };
}

/** The Aurora cluster's metrics (dimension DBClusterIdentifier). */
export interface DatabaseMetrics {
  /** Open connections (Maximum); not reported while paused. */
  readonly connections: cloudwatch.Metric;
  /** ACUs in use at the given statistic; 0 while the cluster is paused (the only value it reports then). */
  capacity(statistic: string): cloudwatch.Metric;
}

export function databaseMetrics(cluster: rds.IDatabaseCluster): DatabaseMetrics {
  return {
    capacity: (statistic) => cluster.metric('ServerlessDatabaseCapacity', { statistic, period: PERIOD }),
    connections: cluster.metricDatabaseConnections({ statistic: 'Maximum', period: PERIOD }),
  };
}

/**
 * CloudFront's default metrics (no additional metrics, which are billed): they exist only in us-east-1, so every
 * one names that region and a graph in any region can show it.
 */
export interface CdnMetrics {
  /** Viewer requests (Sum). */
  readonly requests: cloudwatch.Metric;
  /** Share of viewer requests answered with a 5xx, in percent (Average). */
  readonly serverErrorRate: cloudwatch.Metric;
}

export function cdnMetrics(distribution: cloudfront.IDistribution): CdnMetrics {
  const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/CloudFront',
    metricName,
    dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
    statistic,
    period: PERIOD,
    region: CLOUDFRONT_METRICS_REGION,
  });
  return { requests: metric('Requests', 'Sum'), serverErrorRate: metric('5xxErrorRate', 'Average') };
}
