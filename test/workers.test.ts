import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WagtailCompute } from '../src';
import { auroraMaxConnections, RESERVED_CONNECTIONS } from '../src/connection-budget';
import { loadRuntimeDefaults } from '../src/runtime-defaults';
import { stackWith } from './fixtures/stacks';

const threads = loadRuntimeDefaults().GUNICORN_THREADS;

describe.each([
  ['0.25 vCPU', '1 GB', 2],
  ['0.5 vCPU', '1 GB', 2],
  ['1 vCPU', '2 GB', 2],
  ['2 vCPU', '4 GB', 4],
  ['4 vCPU', '8 GB', 8],
])('cpu %s / memory %s', (cpu, memory, workers) => {
  const { stack, cms } = stackWith({ compute: WagtailCompute.appRunner({ cpu, memory, maxInstances: 5 }) }, new App());

  test(`runs ${workers} gunicorn workers (2 per vCPU, at least 2)`, () => {
    expect(cms.webConcurrency).toBe(workers);
    Template.fromStack(stack).hasResourceProperties('AWS::AppRunner::Service', {
      SourceConfiguration: { ImageRepository: { ImageConfiguration: { RuntimeEnvironmentVariables: Match.arrayWith([{ Name: 'WEB_CONCURRENCY', Value: String(workers) }]) } } },
    });
  });

  test('and budgets one database connection per worker thread', () => {
    expect(cms.databaseConnectionsPerInstance).toBe(workers * threads);
    expect(cms.maxDatabaseConnections).toBe(5 * workers * threads);
  });
});

test('the connection budget follows the derived workers: 4 vCPU instances fill 4 ACU sooner', () => {
  const perInstance = 8 * threads;
  const fitting = Math.floor((auroraMaxConnections(0, 2) - RESERVED_CONNECTIONS) / perInstance);
  expect(() => stackWith({ compute: WagtailCompute.appRunner({ cpu: '4 vCPU', memory: '8 GB', maxInstances: fitting }), database: { maxCapacity: 2 } }, new App())).not.toThrow();
  expect(() => stackWith({ compute: WagtailCompute.appRunner({ cpu: '4 vCPU', memory: '8 GB', maxInstances: fitting + 1 }), database: { maxCapacity: 2 } }, new App()))
    .toThrow(new RegExp(`appRunner\\.maxInstances \\(${fitting + 1}\\) x ${perInstance} database connections per instance`));
});
