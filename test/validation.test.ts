import { App, Duration, Lazy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { WagtailCompute, WagtailScaleToZeroProps } from '../src';
import { stackWith } from './fixtures/stacks';

function synth(props: WagtailScaleToZeroProps) {
  return stackWith(props, new App());
}

describe.each([
  ['appRunner.minInstances', (v: number) => ({ compute: WagtailCompute.appRunner({ minInstances: v, maxInstances: 25 }) }), 1, 25],
  ['appRunner.maxInstances', (v: number) => ({ compute: WagtailCompute.appRunner({ maxInstances: v }) }), 1, 25],
  ['appRunner.maxConcurrency', (v: number) => ({ compute: WagtailCompute.appRunner({ maxConcurrency: v }) }), 1, 200],
  ['database.minCapacity', (v: number) => ({ database: { minCapacity: v, maxCapacity: 256 } }), 0, 256],
  ['database.maxCapacity', (v: number) => ({ database: { maxCapacity: v, minCapacity: 0.5 }, compute: WagtailCompute.appRunner({ maxInstances: 5 }) }), 1, 256],
  ['appRunner.healthCheck.healthyThreshold', (v: number) => ({ compute: WagtailCompute.appRunner({ healthCheck: { healthyThreshold: v } }) }), 1, 20],
  ['appRunner.healthCheck.unhealthyThreshold', (v: number) => ({ compute: WagtailCompute.appRunner({ healthCheck: { unhealthyThreshold: v } }) }), 1, 20],
  ['appRunner.healthCheck.interval', (v: number) => ({ compute: WagtailCompute.appRunner({ healthCheck: { interval: Duration.seconds(v) } }) }), 1, 20],
  ['appRunner.healthCheck.timeout', (v: number) => ({ compute: WagtailCompute.appRunner({ healthCheck: { timeout: Duration.seconds(v) } }) }), 1, 20],
  ['imagesToKeep', (v: number) => ({ imagesToKeep: v }), 1, 1000],
] as Array<[string, (v: number) => WagtailScaleToZeroProps, number, number]>)('%s', (prop, props, min, max) => {
  test(`accepts ${min} and ${max}`, () => {
    expect(() => synth(props(min))).not.toThrow();
    expect(() => synth(props(max))).not.toThrow();
  });

  test(`refuses the values just outside ${min}-${max}, naming the prop, the range and the value`, () => {
    const step = prop.startsWith('database.') ? 0.5 : 1;
    const below = min - step;
    const above = max + step;
    expect(() => synth(props(below))).toThrow(new RegExp(`${prop.replace('.', '\\.')} must be between ${min} and ${max}.*got ${below}`));
    expect(() => synth(props(above))).toThrow(new RegExp(`${prop.replace('.', '\\.')} must be between ${min} and ${max}.*got ${above}`));
  });
});

test('instance counts must be whole numbers', () => {
  expect(() => synth({ compute: WagtailCompute.appRunner({ maxInstances: 2.5 }) })).toThrow(/appRunner\.maxInstances must be a whole number; got 2\.5/);
});

test('appRunner.maxInstances must not be below appRunner.minInstances', () => {
  expect(() => synth({ compute: WagtailCompute.appRunner({ minInstances: 5, maxInstances: 4 }) })).toThrow(/appRunner\.maxInstances \(4\) must be greater than or equal to appRunner\.minInstances \(5\)/);
  expect(() => synth({ compute: WagtailCompute.appRunner({ minInstances: 5, maxInstances: 5 }) })).not.toThrow();
});

test('capacities go in steps of 0.5 ACU', () => {
  expect(() => synth({ database: { maxCapacity: 4.25 } })).toThrow(/database\.maxCapacity must be a multiple of 0\.5 ACU; got 4\.25/);
  expect(() => synth({ database: { minCapacity: 0.5, maxCapacity: 4.5 } })).not.toThrow();
});

test('database.maxCapacity must not be below database.minCapacity', () => {
  expect(() => synth({ database: { minCapacity: 8, maxCapacity: 4 } })).toThrow(/database\.maxCapacity \(4\) must be greater than or equal to database\.minCapacity \(8\)/);
});

describe('database.autoPause', () => {
  test('accepts 300 and 86,400 seconds', () => {
    for (const seconds of [300, 86400]) {
      const { stack } = synth({ database: { autoPause: Duration.seconds(seconds) } });
      Template.fromStack(stack).hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { SecondsUntilAutoPause: seconds } });
    }
  });

  test('refuses 299 and 86,401 seconds', () => {
    expect(() => synth({ database: { autoPause: Duration.seconds(299) } })).toThrow(/database\.autoPause must be between 300 and 86400 s.*got 299 s/);
    expect(() => synth({ database: { autoPause: Duration.seconds(86401) } })).toThrow(/database\.autoPause must be between 300 and 86400 s.*got 86401 s/);
  });

  test('only means something at minimum capacity 0, and says so', () => {
    expect(() => synth({ database: { minCapacity: 0.5, autoPause: Duration.minutes(10) } })).toThrow(/database\.autoPause only applies when database\.minCapacity is 0.*got minCapacity 0\.5/);
  });

  test('is left out when the database cannot pause', () => {
    const { stack } = synth({ database: { minCapacity: 0.5 } });
    Template.fromStack(stack).hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } });
    const cluster = Object.values(Template.fromStack(stack).findResources('AWS::RDS::DBCluster'))[0];
    expect(cluster.Properties.ServerlessV2ScalingConfiguration.SecondsUntilAutoPause).toBeUndefined();
  });
});

test('database.backupRetention must be 1-35 days', () => {
  expect(() => synth({ database: { backupRetention: Duration.days(36) } })).toThrow(/database\.backupRetention must be between 1 and 35 days.*got 36 days/);
  expect(() => synth({ database: { backupRetention: Duration.days(35) } })).not.toThrow();
});

describe('cpu and memory', () => {
  test.each([
    ['0.25 vCPU', '1 GB'], ['0.5 vCPU', '1 GB'], ['1 vCPU', '2 GB'], ['1 vCPU', '3 GB'], ['1 vCPU', '4 GB'],
    ['2 vCPU', '4 GB'], ['2 vCPU', '6 GB'], ['4 vCPU', '8 GB'], ['4 vCPU', '10 GB'], ['4 vCPU', '12 GB'],
  ])('accepts %s / %s', (cpu, memory) => {
    const { stack } = synth({ compute: WagtailCompute.appRunner({ cpu, memory }) });
    Template.fromStack(stack).hasResourceProperties('AWS::AppRunner::Service', { InstanceConfiguration: { Cpu: cpu, Memory: memory } });
  });

  test.each([['0.5 vCPU', '2 GB'], ['1 vCPU', '1 GB'], ['4 vCPU', '4 GB'], ['3 vCPU', '6 GB'], ['1024', '2048']])('refuses %s / %s, listing the allowed pairs', (cpu, memory) => {
    expect(() => synth({ compute: WagtailCompute.appRunner({ cpu, memory }) })).toThrow(new RegExp(`appRunner\\.cpu / appRunner\\.memory must be one of App Runner's instance sizes \\(0\\.25 vCPU / 0\\.5 GB, .*4 vCPU / 12 GB\\); got ${cpu} / ${memory}`));
  });
});

test('environment may not override what the construct sets', () => {
  expect(() => synth({ environment: { DATABASE_SECRET: 'x', WEB_CONCURRENCY: '9' } })).toThrow(/environment may not set DATABASE_SECRET, WEB_CONCURRENCY: the construct sets these itself/);
  // Secrets a site may pass itself, but from a secret store only.
  expect(() => synth({ environment: { DJANGO_SECRET_KEY: 'x', DJANGO_SUPERUSER_PASSWORD: 'y' } }))
    .toThrow(/environment may not set DJANGO_SECRET_KEY, DJANGO_SUPERUSER_PASSWORD: a plain variable is written into the template; pass it in environmentSecrets/);
});

test('refuses an App Runner size whose workers cannot fit at their measured peak, naming both props', () => {
  expect(() => synth({ compute: WagtailCompute.appRunner({ cpu: '0.25 vCPU', memory: '0.5 GB' }) }))
    .toThrow(/appRunner\.cpu 0\.25 vCPU runs 2 workers, which need up to 750 MiB at their peak \(70 MiB \+ 2 x 340 MiB\), more than appRunner\.memory 0\.5 GB/);
});

test('unresolved tokens are left for deploy time, and the connection figures that depend on them are not made up', () => {
  const token = Lazy.number({ produce: () => 30 });
  const { cms } = synth({ compute: WagtailCompute.appRunner({ maxInstances: token, maxConcurrency: token }) });
  expect(cms.maxDatabaseConnections).toBeUndefined();
  expect(cms.databaseConnectionsPerInstance).toBe(8);
});

test('cpu and memory must be known at synth time: the workers are derived from them', () => {
  const token = Lazy.string({ produce: () => '1 vCPU' });
  expect(() => synth({ compute: WagtailCompute.appRunner({ cpu: token, memory: '2 GB' }) })).toThrow(/appRunner\.cpu and appRunner\.memory must be known at synth time/);
});

test('environment and environmentSecrets names: valid, not the construct\'s, not in both', () => {
  expect(() => synth({ environment: { 'BAD-NAME': 'x' } })).toThrow(/environment names must be letters, digits and underscores.*got BAD-NAME/);
  expect(() => synth({ environment: { PORT: '9000' } })).toThrow(/environment may not set PORT: the construct sets these itself/);
  expect(() => synth({ environment: { EMAIL_OUTBOX_BUCKET: 'x' } })).toThrow(/environment may not set EMAIL_OUTBOX_BUCKET/);
});

test('every bad setting is reported at once, in one error tied to the construct\'s path', () => {
  let message = '';
  try {
    stackWith({
      database: { minCapacity: -1, maxCapacity: 0.7 },
      imagesToKeep: 0,
      environment: { DJANGO_SECRET_KEY: 'mine' },
      compute: WagtailCompute.appRunner({ cpu: '3 vCPU' }),
    });
  } catch (error) {
    message = (error as Error).message;
  }
  const lines = message.split('\n');
  expect(lines[0]).toBe('Test/Cms: 7 invalid settings:');
  expect(lines.slice(1)).toEqual([
    expect.stringMatching(/^- database\.minCapacity must be between 0 and 256 ACU/),
    expect.stringMatching(/^- database\.maxCapacity must be between 1 and 256 ACU/),
    expect.stringMatching(/^- database\.maxCapacity must be a multiple of 0\.5 ACU/),
    expect.stringMatching(/^- imagesToKeep must be between 1 and 1000/),
    expect.stringMatching(/^- environment may not set DJANGO_SECRET_KEY/),
    expect.stringMatching(/^- appRunner\.cpu \/ appRunner\.memory must be one of App Runner's instance sizes/),
    // The connection budget is checked in the same pass, on what the other settings gave.
    expect.stringMatching(/^- appRunner\.maxInstances \(25\) x 24 database connections per instance = 600, more than/),
  ]);
});

test('one bad setting is one line, tied to the construct\'s path', () => {
  expect(() => stackWith({ imagesToKeep: 0 })).toThrow(/^Test\/Cms: imagesToKeep must be between 1 and 1000 \(inclusive\); got 0$/);
});
