import { Token } from 'aws-cdk-lib';
import { invalid } from './validation';

/**
 * Aurora PostgreSQL Serverless v2's default max_connections at a given maximum capacity (ACU), as documented;
 * between two listed points the value grows linearly with memory, so it is interpolated and rounded down.
 */
const MAX_CONNECTIONS_BY_ACU: Array<[number, number]> = [
  [1, 189],
  [4, 823],
  [8, 1669],
  [16, 3360],
  [32, 5000],
];

/** While the minimum capacity is 0 or 0.5 ACU, Aurora caps max_connections at this value. */
const MAX_CONNECTIONS_WITH_LOW_MINIMUM = 2000;

/**
 * Connections kept free for PostgreSQL's reserved superuser slots and for an operator's session, so the app's own
 * budget never reaches "remaining connection slots are reserved".
 */
export const RESERVED_CONNECTIONS = 10;

/** The database's default max_connections for this capacity range. */
export function auroraMaxConnections(minCapacity: number, maxCapacity: number): number {
  let connections = MAX_CONNECTIONS_BY_ACU[MAX_CONNECTIONS_BY_ACU.length - 1][1];
  for (let i = 1; i < MAX_CONNECTIONS_BY_ACU.length; i++) {
    const [upperAcu, upperConnections] = MAX_CONNECTIONS_BY_ACU[i];
    if (maxCapacity <= upperAcu) {
      const [lowerAcu, lowerConnections] = MAX_CONNECTIONS_BY_ACU[i - 1];
      const share = (maxCapacity - lowerAcu) / (upperAcu - lowerAcu);
      connections = Math.floor(lowerConnections + share * (upperConnections - lowerConnections));
      break;
    }
  }
  return minCapacity <= 0.5 ? Math.min(connections, MAX_CONNECTIONS_WITH_LOW_MINIMUM) : connections;
}

/** What the check needs to know; numbers may be tokens, which skip the check. */
export interface ConnectionBudgetInput {
  /** The prop that bounds the compute's scale, as the error names it (e.g. `appRunner.maxInstances`). */
  readonly scaleProp: string;
  /** What one unit of scale is called in the error (an instance, a concurrent request). */
  readonly unit: string;
  readonly maxInstances: number;
  readonly connectionsPerInstance: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/**
 * Fails synth when every instance at full scale, each holding its whole pool, would need more connections than
 * the database allows at its maximum capacity: the failure the origin project met at 150 concurrent requests.
 */
export function checkConnectionBudget(input: ConnectionBudgetInput): void {
  const { scaleProp, unit, maxInstances, connectionsPerInstance, minCapacity, maxCapacity } = input;
  if ([maxInstances, connectionsPerInstance, minCapacity, maxCapacity].some((n) => Token.isUnresolved(n))) {
    return;
  }
  const available = auroraMaxConnections(minCapacity, maxCapacity) - RESERVED_CONNECTIONS;
  const needed = maxInstances * connectionsPerInstance;
  if (needed > available) {
    const fittingInstances = Math.floor(available / connectionsPerInstance);
    invalid(
      `${scaleProp} (${maxInstances}) x ${connectionsPerInstance} database connections per ${unit} = ${needed}, ` +
      `more than the ${available} connections the database allows at database.maxCapacity ${maxCapacity} ACU ` +
      `(max_connections ${auroraMaxConnections(minCapacity, maxCapacity)} less ${RESERVED_CONNECTIONS} reserved). ` +
      `Lower ${scaleProp} to at most ${fittingInstances}, or raise database.maxCapacity.`,
    );
  }
}
