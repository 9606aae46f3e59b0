import { App } from 'aws-cdk-lib';
import { WagtailCompute } from '../src';
import { auroraMaxConnections, RESERVED_CONNECTIONS } from '../src/connection-budget';
import { loadRuntimeDefaults } from '../src/runtime-defaults';
import { stackWith } from './fixtures/stacks';

const runtime = loadRuntimeDefaults();
// The default 0.5 vCPU runs 2 workers, each with one pooled connection per thread.
const perInstance = 2 * runtime.GUNICORN_THREADS;

test('connections per instance come from the app runtime defaults the container also reads', () => {
  const { cms } = stackWith({}, new App());
  expect(cms.databaseConnectionsPerInstance).toBe(perInstance);
  expect(cms.maxDatabaseConnections).toBe(25 * perInstance);
});

test('max_connections follows the documented Aurora table and its cap at low minimum capacity', () => {
  expect(auroraMaxConnections(1, 1)).toBe(189);
  expect(auroraMaxConnections(1, 4)).toBe(823);
  expect(auroraMaxConnections(1, 8)).toBe(1669);
  expect(auroraMaxConnections(1, 16)).toBe(3360);
  expect(auroraMaxConnections(1, 32)).toBe(5000);
  expect(auroraMaxConnections(1, 256)).toBe(5000);
  expect(auroraMaxConnections(0, 16)).toBe(2000);
  expect(auroraMaxConnections(0.5, 256)).toBe(2000);
  expect(auroraMaxConnections(0, 2)).toBe(400);
});

test('fails synth when max instances x connections per instance exceed what the database allows, naming the knobs', () => {
  const available = 189 - RESERVED_CONNECTIONS;
  const fitting = Math.floor(available / perInstance);
  expect(() => stackWith({ compute: WagtailCompute.appRunner({ maxInstances: fitting }), database: { maxCapacity: 1 } }, new App())).not.toThrow();
  expect(() => stackWith({ compute: WagtailCompute.appRunner({ maxInstances: fitting + 1 }), database: { maxCapacity: 1 } }, new App()))
    .toThrow(new RegExp(`appRunner\\.maxInstances \\(${fitting + 1}\\) x ${perInstance} database connections per instance = ${(fitting + 1) * perInstance}, more than the ${available} connections the database allows at database\\.maxCapacity 1 ACU.*Lower appRunner\\.maxInstances to at most ${fitting}, or raise database\\.maxCapacity`));
});

test('the defaults fit: 25 instances at 4 ACU', () => {
  expect(25 * perInstance).toBeLessThanOrEqual(auroraMaxConnections(0, 4) - RESERVED_CONNECTIONS);
});
