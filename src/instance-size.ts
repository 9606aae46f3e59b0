import { Token } from 'aws-cdk-lib';

/** App Runner's allowed instance sizes: vCPU to the memory sizes it may be paired with. */
const ALLOWED_SIZES: Record<string, string[]> = {
  '0.25 vCPU': ['0.5 GB', '1 GB'],
  '0.5 vCPU': ['1 GB'],
  '1 vCPU': ['2 GB', '3 GB', '4 GB'],
  '2 vCPU': ['4 GB', '6 GB'],
  '4 vCPU': ['8 GB', '10 GB', '12 GB'],
};

function describeAllowedSizes(): string {
  return Object.entries(ALLOWED_SIZES)
    .map(([cpu, memories]) => memories.map((memory) => `${cpu} / ${memory}`).join(', '))
    .join(', ');
}

/** Fails synth unless `cpu` and `memory` form one of App Runner's allowed pairs. */
export function checkInstanceSize(cpu: string, memory: string): void {
  if (Token.isUnresolved(cpu) || Token.isUnresolved(memory)) {
    return;
  }
  const memories = ALLOWED_SIZES[cpu];
  if (memories === undefined || !memories.includes(memory)) {
    throw new Error(`cpu / memory must be one of App Runner's instance sizes (${describeAllowedSizes()}); got ${cpu} / ${memory}`);
  }
}

