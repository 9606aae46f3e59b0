import { Token } from 'aws-cdk-lib';
import { invalid } from './validation';

/** App Runner's allowed instance sizes: vCPU to the memory sizes it may be paired with. */
const ALLOWED_SIZES: Record<string, string[]> = {
  '0.25 vCPU': ['0.5 GB', '1 GB'],
  '0.5 vCPU': ['1 GB'],
  '1 vCPU': ['2 GB', '3 GB', '4 GB'],
  '2 vCPU': ['4 GB', '6 GB'],
  '4 vCPU': ['8 GB', '10 GB', '12 GB'],
};

/**
 * Memory the bundled site needs, in MiB, measured as PSS with `python -m tests.measure_memory` (runtime/): the
 * gunicorn master at its peak, and one worker of 4 threads at its peak (busy threads plus a 12-megapixel photo being
 * uploaded and rendered in the admin; 264-339 measured).
 */
const MASTER_MEGABYTES = 70;
const WORKER_PEAK_MEGABYTES = 340;

/** Workers per vCPU, and the least an instance runs so one busy worker never stalls the instance. */
const WORKERS_PER_VCPU = 2;
const MIN_WORKERS = 2;

function describeAllowedSizes(): string {
  return Object.entries(ALLOWED_SIZES)
    .map(([cpu, memories]) => memories.map((memory) => `${cpu} / ${memory}`).join(', '))
    .join(', ');
}

/** Fails synth unless `cpu` and `memory` form one of App Runner's allowed pairs whose workers fit in memory. */
export function checkInstanceSize(cpu: string, memory: string): void {
  if (Token.isUnresolved(cpu) || Token.isUnresolved(memory)) {
    invalid('appRunner.cpu and appRunner.memory must be known at synth time: the number of gunicorn workers is derived from them');
    return;
  }
  const memories = ALLOWED_SIZES[cpu];
  if (memories === undefined || !memories.includes(memory)) {
    invalid(`appRunner.cpu / appRunner.memory must be one of App Runner's instance sizes (${describeAllowedSizes()}); got ${cpu} / ${memory}`);
    return;
  }
  const workers = workersFor(cpu);
  const needed = MASTER_MEGABYTES + workers * WORKER_PEAK_MEGABYTES;
  const available = parseFloat(memory) * 1024; // App Runner's GB are GiB
  if (needed > available) {
    invalid(
      `appRunner.cpu ${cpu} runs ${workers} workers, which need up to ${needed} MiB at their peak (${MASTER_MEGABYTES} MiB + ` +
      `${workers} x ${WORKER_PEAK_MEGABYTES} MiB), more than appRunner.memory ${memory}: choose a larger memory for this cpu`,
    );
  }
}

/** gunicorn worker processes for an instance of `cpu` vCPUs: 2 per vCPU, at least 2. */
export function workersFor(cpu: string): number {
  return Math.max(MIN_WORKERS, Math.round(parseFloat(cpu) * WORKERS_PER_VCPU));
}
