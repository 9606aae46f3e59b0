import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One accepted cdk-nag finding and why it is acceptable. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  readonly appliesTo?: Array<string | { readonly regex: string }>;
}

/**
 * Records suppressions as `cdk_nag` template metadata on every CloudFormation resource under `scope`, the form
 * cdk-nag reads, so users who run cdk-nag on their own app see our reasons without depending on cdk-nag here.
 */
export function suppressNagFindings(scope: IConstruct, suppressions: NagSuppression[]): void {
  for (const child of scope.node.findAll()) {
    if (!(child instanceof CfnResource)) {
      continue;
    }
    const existing: Array<Record<string, unknown>> = child.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
    const added = suppressions.map((s) => ({ id: s.id, reason: s.reason, ...(s.appliesTo ? { applies_to: s.appliesTo } : {}) }));
    child.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...added] });
  }
}
