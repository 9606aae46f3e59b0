import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { OPERATOR_FUNCTION_OUTPUT } from '../operator-output';

/** Where the operator's calls go: the AWS CLI's `--region` and `--profile`, else the SDK's own resolution. */
export interface AwsTarget {
  readonly region?: string;
  readonly profile?: string;
}

/** What the operator function answers to `{"manage": [...]}`. */
export interface ManageResult {
  readonly exitCode: number;
  readonly output: string;
  readonly seconds?: number;
}

/** A failure the operator can act on: `message` says what failed and what to do. */
export class OperatorError extends Error {}


/** The name of the operator function of the one WagtailScaleToZero in `stackName`, from the stack's outputs. */
export async function operatorFunctionOf(stackName: string, target: AwsTarget): Promise<string> {
  const client = new CloudFormationClient({ region: target.region, profile: target.profile });
  const response = await client.send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error) => { throw explain(error, `read the outputs of stack ${stackName}`, 'cloudformation:DescribeStacks'); });
  const outputs = (response.Stacks?.[0]?.Outputs ?? []).filter((o) => o.OutputKey?.includes(OPERATOR_FUNCTION_OUTPUT));
  if (outputs.length !== 1) {
    const found = outputs.map((o) => `${o.OutputKey}=${o.OutputValue}`).join(', ');
    throw new OperatorError(outputs.length === 0
      ? `stack ${stackName} has no ${OPERATOR_FUNCTION_OUTPUT} output: is it a WagtailScaleToZero stack, deployed with this version?`
      : `stack ${stackName} has ${outputs.length} operator functions (${found}): pass --function <name>`);
  }
  return outputs[0].OutputValue!;
}

/** Sends one event to the operator function and returns its answer, parsed. */
export async function invokeOperator(functionName: string, event: object, target: AwsTarget): Promise<any> {
  // One attempt: a retried invocation would run a command twice.
  const client = new LambdaClient({ region: target.region, profile: target.profile, maxAttempts: 1 });
  const response = await client.send(new InvokeCommand({
    FunctionName: functionName,
    Payload: new TextEncoder().encode(JSON.stringify(event)),
  })).catch((error) => { throw explain(error, `invoke ${functionName}`, 'lambda:InvokeFunction'); });
  const payload = new TextDecoder().decode(response.Payload ?? new Uint8Array());
  if (response.FunctionError) {
    throw new OperatorError(`the operator function failed before the command finished: ${payload}\n`
      + 'A timeout means the command ran longer than the function may (15 minutes on App Runner stacks, '
      + 'lambdaFunction({ timeout }) on Lambda); its log group holds the rest.');
  }
  try {
    return JSON.parse(payload);
  } catch {
    throw notOperator(functionName, payload);
  }
}

/** Runs one management command on the operator function and returns what it answered. */
export async function manage(functionName: string, argv: string[], target: AwsTarget): Promise<ManageResult> {
  const result = await invokeOperator(functionName, { manage: argv }, target);
  if (typeof result?.exitCode !== 'number' || typeof result?.output !== 'string') {
    throw notOperator(functionName, JSON.stringify(result));
  }
  return result;
}

function notOperator(functionName: string, payload: string): OperatorError {
  return new OperatorError(`${functionName} answered ${payload.slice(0, 200)}: is it a WagtailScaleToZero operator function?`);
}

/** Turns what AWS refused into what failed and what to do about it. */
function explain(error: any, what: string, action: string): OperatorError {
  const name: string = error?.name ?? 'Error';
  const hints: Record<string, string> = {
    CredentialsProviderError: 'no AWS credentials were found: pass --profile, set AWS_PROFILE, or run aws configure',
    AccessDeniedException: `your credentials may not call ${action}: ask for it (cms.operatorFunction.grantInvoke(role) grants the invocation)`,
    AccessDenied: `your credentials may not call ${action}: ask for it`,
    ResourceNotFoundException: 'no such function in this region: check --region and --stack',
    ValidationError: 'no such stack in this region: check --stack and --region',
    TooManyRequestsException: 'the operator function already runs as many commands as it may at once: try again when one ends',
    ExpiredTokenException: 'your AWS session has expired: sign in again (aws sso login, or new credentials)',
  };
  const hint = hints[name] ?? (/region/i.test(error?.message ?? '') ? 'pass --region or set AWS_REGION' : undefined);
  return new OperatorError(`could not ${what}: ${name}: ${error?.message ?? error}${hint ? `\n${hint}` : ''}`);
}
