import { AwsTarget, ManageResult, OperatorError, invokeOperator } from './operator-function';

/** The exit code when the site refused: no such user, or no first admin configured. */
const REFUSED = 1;

/**
 * Asks the operator function for a new random password of `username` (default: the first administrator). The site
 * answers it to this call only and keeps no copy: the password is the result's output, printed once.
 */
export async function setPassword(functionName: string, username: string | undefined, target: AwsTarget,
  report: (line: string) => void): Promise<ManageResult> {
  const answer = await invokeOperator(functionName, { password: username === undefined ? {} : { username } }, target);
  if (typeof answer?.error === 'string') {
    return { exitCode: REFUSED, output: `password: ${answer.error}` };
  }
  if (typeof answer?.username !== 'string' || typeof answer?.password !== 'string') {
    throw new OperatorError(`${functionName} did not answer with a password: is it the operator function of a `
      + 'WagtailScaleToZero site of this version?');
  }
  report(`new password of ${answer.username} below, shown this once and kept nowhere: sign in with it`);
  return { exitCode: 0, output: answer.password };
}
