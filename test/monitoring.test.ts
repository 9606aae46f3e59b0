import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { WagtailCompute, WagtailImage, WagtailScaleToZero, WagtailScaleToZeroProps } from '../src';
import { ENV, stackWith, TEST_IMAGE_DIRECTORY } from './fixtures/stacks';
import { PRICES } from '../src/idle-cost';
import { Monitoring, outboxFailureQueue } from '../src/monitoring/monitoring';
import { loadRuntimeDefaults } from '../src/runtime-defaults';
import { resolveSettings } from '../src/settings';

type Resource = { Type: string; Properties: Record<string, any> };

/** The stack's alarms by the id the construct gave them (the logical id without its path and hash). */
function alarmsOf(stack: Stack): Record<string, Record<string, any>> {
  const resources = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
  return Object.fromEntries(Object.entries(resources).map(([logicalId, r]) =>
    [logicalId.replace(/^.*Monitoring/, '').replace(/[0-9A-F]{8}$/, ''), r.Properties]));
}

/** The metrics an alarm evaluates, each billed as one alarm metric: its MetricStat entries, or its single metric. */
function metricsOf(alarm: Record<string, any>): Array<Record<string, any>> {
  if (!alarm.Metrics) {
    const { MetricName, Namespace, Period, Dimensions } = alarm;
    return [{ MetricName, Namespace, Period, Dimensions, Stat: alarm.Statistic ?? alarm.ExtendedStatistic }];
  }
  return alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => ({
    ...m.MetricStat.Metric, Stat: m.MetricStat.Stat, Period: m.MetricStat.Period, Id: m.Id,
  }));
}

function metricNames(alarm: Record<string, any>): string[] {
  return metricsOf(alarm).map((m) => m.MetricName).sort();
}

function alarmMetricTotal(stack: Stack): number {
  return Object.values(alarmsOf(stack)).reduce((sum, alarm) => sum + metricsOf(alarm).length, 0);
}

/** The dashboard body as a string, tokens replaced by their JSON. */
function dashboardBody(stack: Stack): string {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody;
  return typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) => typeof part === 'string' ? part : JSON.stringify(part)).join('');
}

const topicRef = (stack: Stack) => {
  const topics = Object.keys(Template.fromStack(stack).findResources('AWS::SNS::Topic'));
  expect(topics).toHaveLength(1);
  return [{ Ref: topics[0] }];
};

const APP_RUNNER_ALARMS = ['DatabaseAtMaximumCapacity', 'DatabaseConnections', 'InstancesAtMaximum', 'Latency', 'ServerErrorRate'];

describe.each([
  // Every stack has the outbox (for its publishing schedule at least), and so the outbox's failure queue.
  ['App Runner', {}, [...APP_RUNNER_ALARMS, 'OutboxFailedDeliveries'].sort()],
  ['App Runner without CloudFront', { cdn: false }, [...APP_RUNNER_ALARMS, 'OutboxFailedDeliveries'].sort()],
] as Array<[string, WagtailScaleToZeroProps, string[]]>)('%s', (_name, props, expectedAlarms) => {
  const { stack, cms } = stackWith(props, new App());
  const alarms = alarmsOf(stack);

  test('its alarms, each notifying the created topic when it fires and when it recovers', () => {
    expect(Object.keys(alarms).sort()).toEqual(expectedAlarms);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.AlarmActions).toEqual(topicRef(stack));
      expect(alarm.OKActions).toEqual(topicRef(stack));
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(alarm.DatapointsToAlarm).toBe(alarm.EvaluationPeriods);
      expect(alarm.AlarmDescription.length).toBeGreaterThan(100);
    }
    expect(cms.alarms).toHaveLength(expectedAlarms.length);
    expect(cms.alarmTopic).toBeDefined();
  });

  test('server errors: the share of App Runner requests answered 5xx, from 10 requests, 5% in two 5-minute periods', () => {
    const alarm = alarms.ServerErrorRate;
    expect(alarm.Metrics.find((m: any) => m.ReturnData !== false).Expression).toBe('IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)');
    const metrics = metricsOf(alarm);
    expect(metrics.map((m) => [m.Id, m.Namespace, m.MetricName, m.Stat, m.Period])).toEqual([
      ['requests', 'AWS/AppRunner', 'Requests', 'Sum', 300],
      ['errors', 'AWS/AppRunner', '5xxStatusResponses', 'Sum', 300],
    ]);
    for (const metric of metrics) {
      expect(metric.Dimensions.map((d: any) => d.Name).sort()).toEqual(['ServiceID', 'ServiceName']);
    }
    expect([alarm.Threshold, alarm.EvaluationPeriods]).toEqual([5, 2]);
  });

  test('slow responses: App Runner p95 at 3 s for 15 minutes, ignored on too few requests', () => {
    expect(alarms.Latency).toMatchObject({
      Namespace: 'AWS/AppRunner',
      MetricName: 'RequestLatency',
      ExtendedStatistic: 'p95',
      Period: 300,
      Threshold: 3000,
      EvaluationPeriods: 3,
      EvaluateLowSampleCountPercentile: 'ignore',
    });
  });

  test('App Runner at maxInstances (25) for 15 minutes', () => {
    expect(alarms.InstancesAtMaximum).toMatchObject({
      Namespace: 'AWS/AppRunner', MetricName: 'ActiveInstances', Statistic: 'Maximum', Period: 300, Threshold: 25, EvaluationPeriods: 3,
    });
  });

  test('Aurora at maxCapacity (4 ACU) in three periods, per cluster', () => {
    expect(alarms.DatabaseAtMaximumCapacity).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'ServerlessDatabaseCapacity',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 4,
      EvaluationPeriods: 3,
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: { Ref: expect.stringMatching(/^CmsDatabase/) } }],
    });
  });

  test('connections at 80% of the budget (25 instances x 8 = 200) in two periods', () => {
    expect(cms.maxDatabaseConnections).toBe(200);
    expect(alarms.DatabaseConnections).toMatchObject({
      Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Statistic: 'Maximum', Period: 300, Threshold: 160, EvaluationPeriods: 2,
    });
  });

  test('the dashboard shows traffic, errors, latency, instances, capacity, pauses and connections', () => {
    const body = dashboardBody(stack);
    for (const name of ['"Requests"', '"5xxStatusResponses"', '"RequestLatency"', '"ActiveInstances"', '"ServerlessDatabaseCapacity"', '"DatabaseConnections"']) {
      expect(body).toContain(name);
    }
    expect(body).toContain('IF(highest == 0, 1, 0)');
    expect(body).toContain('IF(lowest == 0, 1, 0)');
    expect(body).toContain('"type":"alarm"');
    expect(cms.dashboard).toBeDefined();
  });
});

describe('App Runner behind CloudFront, outside us-east-1', () => {
  const { stack } = stackWith({}, new App());

  test('the dashboard shows CloudFront\'s requests and 5xx rate from us-east-1 beside the compute\'s', () => {
    const body = dashboardBody(stack);
    expect(body).toMatch(/\["AWS\/CloudFront","Requests","DistributionId",[^\]]*"Region","Global",\{[^}]*"region":"us-east-1"/);
    expect(body).toMatch(/\["AWS\/CloudFront","5xxErrorRate","DistributionId",[^\]]*"Region","Global",\{[^}]*"region":"us-east-1"/);
    // Metric math across regions is not relied on: the share answered by the cache is drawn only in us-east-1.
    expect(body).not.toContain('viewers');
  });
});

describe('Lambda', () => {
  const { stack, cms } = stackWith({ compute: WagtailCompute.lambdaFunction() }, new App());
  const alarms = alarmsOf(stack);
  const fn = Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))[0];
  const onAliasLive = [
    { Name: 'FunctionName', Value: { Ref: fn } },
    { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: fn }, ':live']] } },
  ];

  test('errors, latency, throttles and function errors on the alias live, the database twice, the outbox', () => {
    expect(Object.keys(alarms).sort()).toEqual([
      'DatabaseAtMaximumCapacity', 'DatabaseConnections', 'FunctionErrors', 'Latency', 'OutboxFailedDeliveries', 'ServerErrorRate', 'Throttles',
    ]);
    expect(cms.alarms).toHaveLength(7);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
  });

  test('server errors: the share of Function URL requests answered 5xx', () => {
    const metrics = metricsOf(alarms.ServerErrorRate);
    expect(metrics.map((m) => [m.Namespace, m.MetricName, m.Stat, m.Period])).toEqual([
      ['AWS/Lambda', 'UrlRequestCount', 'Sum', 300],
      ['AWS/Lambda', 'Url5xxCount', 'Sum', 300],
    ]);
    for (const metric of metrics) {
      expect(metric.Dimensions).toEqual(onAliasLive);
    }
    expect([alarms.ServerErrorRate.Threshold, alarms.ServerErrorRate.EvaluationPeriods]).toEqual([5, 2]);
  });

  test('slow responses, throttles and function errors', () => {
    expect(alarms.Latency).toMatchObject({ MetricName: 'UrlRequestLatency', ExtendedStatistic: 'p95', Threshold: 3000, EvaluationPeriods: 3, Dimensions: onAliasLive });
    expect(alarms.Throttles).toMatchObject({ MetricName: 'Throttles', Statistic: 'Sum', Period: 300, Threshold: 5, EvaluationPeriods: 2, Dimensions: onAliasLive });
    expect(alarms.FunctionErrors).toMatchObject({ MetricName: 'Errors', Statistic: 'Sum', Period: 300, Threshold: 5, EvaluationPeriods: 1, Dimensions: onAliasLive });
  });

  test('connections at 80% of the budget (20 concurrent requests x 1)', () => {
    expect(alarms.DatabaseConnections).toMatchObject({ MetricName: 'DatabaseConnections', Threshold: 16 });
  });

  test('the dashboard shows the Function URL, concurrency, throttles and errors', () => {
    const body = dashboardBody(stack);
    for (const name of ['"UrlRequestCount"', '"Url5xxCount"', '"UrlRequestLatency"', '"ConcurrentExecutions"', '"Throttles"', '"Errors"', '"ServerlessDatabaseCapacity"']) {
      expect(body).toContain(name);
    }
  });
});

describe('the outbox\'s failure queue', () => {
  test.each([
    ['email only', { cdn: false, email: { fromAddress: 'cms@example.org' }, adminEmail: 'editor@example.org' }, 'an email message', 'cache purge'],
    ['CloudFront purges only', {}, 'a cache purge request', 'SES'],
  ] as Array<[string, WagtailScaleToZeroProps, string, string]>)('with %s a record fires at once, and says what to do', (_name, props, says, omits) => {
    const { stack } = stackWith({ compute: WagtailCompute.lambdaFunction(), ...props }, new App());
    const queue = Object.keys(Template.fromStack(stack).findResources('AWS::SQS::Queue')).find((id) => id.includes('FailureQueue'));
    const alarm = alarmsOf(stack).OutboxFailedDeliveries;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
    });
    expect(alarm.AlarmDescription).toContain('copying it onto itself');
    expect(alarm.AlarmDescription).toContain(says);
    expect(alarm.AlarmDescription).not.toContain(omits);
    expect(dashboardBody(stack)).toContain('"ApproximateNumberOfMessagesVisible"');
  });

  test('without email or CloudFront it watches the publishing-schedule requests alone', () => {
    const { stack } = stackWith({ cdn: false }, new App());
    const description = alarmsOf(stack).OutboxFailedDeliveries.AlarmDescription;
    expect(description).toContain('a publishing-schedule request (schedule/)');
    expect(description).toContain('EventBridge Scheduler');
    expect(description).not.toMatch(/SES|cache purge/);
  });
});

describe('alarm routing and the off switch', () => {
  test('a given alarm action replaces the topic', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const onCall = new sns.Topic(stack, 'OnCall');
    const cms = new WagtailScaleToZero(stack, 'Cms', {
      image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY),
      monitoring: { alarmAction: new SnsAction(onCall) },
    });
    const onCallRef = [{ Ref: stack.getLogicalId(onCall.node.defaultChild as sns.CfnTopic) }];
    for (const alarm of Object.values(alarmsOf(stack))) {
      expect(alarm.AlarmActions).toEqual(onCallRef);
      expect(alarm.OKActions).toEqual(onCallRef);
    }
    expect(cms.alarmTopic).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 1);
  });

  test('alarms off: no alarm, no topic, the dashboard stays', () => {
    const { stack, cms } = stackWith({ monitoring: { alarms: false } }, new App());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(cms.alarms).toEqual([]);
    expect(cms.alarmTopic).toBeUndefined();
    expect(dashboardBody(stack)).not.toContain('"type":"alarm"');
  });

  test('alarms and dashboard off: no CloudWatch resource at all, and nothing on the bill', () => {
    const { stack, cms } = stackWith({ monitoring: { alarms: false, dashboard: false } }, new App());
    const types = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::CloudWatch::') || t.startsWith('AWS::SNS::'))).toEqual([]);
    expect(cms.dashboard).toBeUndefined();
    const withMonitoring = stackWith({}, new App()).cms.estimatedIdleCostPerMonth;
    expect(cms.estimatedIdleCostPerMonth).toBeCloseTo(withMonitoring - 7 * PRICES.alarmMetricMonth, 2);
  });

  test('the topic takes CloudWatch\'s alarms of this account, over TLS only', () => {
    const { stack } = stackWith({}, new App());
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ENV.account } },
          }),
        ]),
      },
    });
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.includes('AlarmTopicArn'))).toHaveLength(1);
  });
});

describe('what the plan leaves out', () => {
  test('no instances alarm when minInstances equals maxInstances', () => {
    const { stack } = stackWith({ compute: WagtailCompute.appRunner({ minInstances: 3, maxInstances: 3 }) }, new App());
    expect(Object.keys(alarmsOf(stack))).not.toContain('InstancesAtMaximum');
  });

  test('no connections alarm when the budget is a token; the instances alarm reads the token', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const maxInstances = new CfnParameter(stack, 'MaxInstances', { type: 'Number' }).valueAsNumber;
    const cms = new WagtailScaleToZero(stack, 'Cms', {
      image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY),
      compute: WagtailCompute.appRunner({ maxInstances }),
    });
    const alarms = alarmsOf(stack);
    expect(cms.maxDatabaseConnections).toBeUndefined();
    expect(Object.keys(alarms)).not.toContain('DatabaseConnections');
    expect(alarms.InstancesAtMaximum.Threshold).toEqual({ Ref: 'MaxInstances' });
  });
});

describe('CloudFront in front, given to the monitoring directly', () => {
  /** A stack with a stand-in App Runner service, cluster and a distribution with an HTTP origin. */
  function monitoredStack(region: string, props: WagtailScaleToZeroProps = {}): Stack {
    const stack = new Stack(new App(), 'Monitored', { env: { account: ENV.account, region } });
    const service = new apprunner.CfnService(stack, 'Service', { sourceConfiguration: { imageRepository: { imageIdentifier: 'public.ecr.aws/x/y:latest', imageRepositoryType: 'ECR_PUBLIC' } } });
    const distribution = new cloudfront.Distribution(stack, 'Cdn', { defaultBehavior: { origin: new origins.HttpOrigin('origin.example.org') } });
    new Monitoring(stack, 'Monitoring', {
      settings: resolveSettings({ cdn: false, ...props }, loadRuntimeDefaults()),
      service: props.compute ? undefined : service,
      lambdaFunction: props.compute ? lambda.Function.fromFunctionName(stack, 'Fn', 'wagtail') : undefined,
      database: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Db', { clusterIdentifier: 'wagtail-db' }),
      failureQueues: [outboxFailureQueue(new sqs.Queue(stack, 'OutboxFailures'), { email: false, purges: true })],
      distribution,
    });
    return stack;
  }

  test.each([['App Runner', {}], ['Lambda', { compute: WagtailCompute.lambdaFunction() }]] as Array<[string, WagtailScaleToZeroProps]>)(
    'in us-east-1 the %s server-error alarm reads CloudFront\'s 5xx rate, from 10 requests', (_name, props) => {
      const stack = monitoredStack('us-east-1', props);
      const alarm = alarmsOf(stack).ServerErrorRate;
      expect(alarm.Metrics.find((m: any) => m.ReturnData !== false).Expression).toBe('IF(requests >= 10, FILL(errorRate, 0), 0)');
      expect(metricsOf(alarm).map((m) => [m.Id, m.Namespace, m.MetricName, m.Stat, m.Period])).toEqual([
        ['requests', 'AWS/CloudFront', 'Requests', 'Sum', 300],
        ['errorRate', 'AWS/CloudFront', '5xxErrorRate', 'Average', 300],
      ]);
      for (const metric of metricsOf(alarm)) {
        expect(metric.Dimensions).toEqual([
          { Name: 'DistributionId', Value: { Ref: expect.stringMatching(/^Cdn/) } },
          { Name: 'Region', Value: 'Global' },
        ]);
      }
      expect([alarm.Threshold, alarm.EvaluationPeriods]).toEqual([5, 2]);
      // Response times stay the compute's: CloudFront's origin latency is a paid additional metric.
      expect(alarmsOf(stack).Latency.Namespace).not.toBe('AWS/CloudFront');
      expect(dashboardBody(stack)).toContain('100 * (1 - FILL(origin, 0) / viewers)');
    });

  test('the construct in a us-east-1 stack alarms on its own distribution', () => {
    const stack = new Stack(new App(), 'East', { env: { account: ENV.account, region: 'us-east-1' } });
    new WagtailScaleToZero(stack, 'Cms', { image: WagtailImage.fromDirectory(TEST_IMAGE_DIRECTORY) });
    expect(metricNames(alarmsOf(stack).ServerErrorRate)).toEqual(['5xxErrorRate', 'Requests']);
  });

  test('elsewhere the server-error alarm reads the compute, and the dashboard still shows CloudFront from us-east-1', () => {
    const stack = monitoredStack('eu-west-1');
    expect(metricNames(alarmsOf(stack).ServerErrorRate)).toEqual(['5xxStatusResponses', 'Requests']);
    expect(dashboardBody(stack)).toMatch(/"AWS\/CloudFront","Requests".*"region":"us-east-1"/);
  });
});

test('the alarms cost what the README\'s idle-cost table says, one alarm metric per metric evaluated', () => {
  const cases: Array<[WagtailScaleToZeroProps, number]> = [
    [{}, 7],
    [{ compute: WagtailCompute.lambdaFunction() }, 8],
    [{ cdn: false }, 7],
    [{ compute: WagtailCompute.lambdaFunction(), cdn: false }, 8],
    [{ email: { fromAddress: 'cms@example.org' }, adminEmail: 'editor@example.org' }, 7],
  ];
  for (const [props, metrics] of cases) {
    const on = stackWith(props, new App());
    expect(alarmMetricTotal(on.stack)).toBe(metrics);
    // Each stack's estimate carries exactly its alarms: turning them off takes their metrics' price away.
    const off = stackWith({ ...props, monitoring: { alarms: false } }, new App()).cms.estimatedIdleCostPerMonth;
    expect(on.cms.estimatedIdleCostPerMonth - off).toBeCloseTo(metrics * PRICES.alarmMetricMonth, 2);
  }

  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  const usd = (metrics: number) => `$${(metrics * PRICES.alarmMetricMonth).toFixed(2)}`;
  expect(readme).toContain(
    '| CloudWatch alarms: 7 alarm metrics on App Runner, 8 on Lambda ' +
    `($${PRICES.alarmMetricMonth.toFixed(2)} each, see [Alarms and dashboard](#alarms-and-dashboard)) | ${usd(7)} | ${usd(8)} |`);
  expect(readme).toContain(`| CloudWatch dashboard ($${PRICES.dashboardMonth.toFixed(2)} beyond the account's three free dashboards) | $0.00 | $0.00 |`);
});
