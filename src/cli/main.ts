#!/usr/bin/env node
import { parseArgs } from 'util';
import { AwsTarget, OperatorError, manage, operatorFunctionOf } from './operator-function';

const USAGE = `usage: wagtail-scale-to-zero manage (--stack <name> | --function <name>) [--region <region>] [--profile <profile>] -- <command> [<arg> ...]

Runs a Django management command on a deployed WagtailScaleToZero site, through its operator function
(stack output OperatorFunctionName), prints the command's output (secrets redacted) and exits with its status
(2 for a command refused, 125 when AWS refused the call or the function failed before the command ended).
  --stack     the CloudFormation stack that holds the site (its OperatorFunctionName output names the function)
  --function  the operator function's name, instead of --stack
  --region    the AWS region (default: AWS_REGION, or the profile's)
  --profile   the named profile of your AWS configuration (default: AWS_PROFILE, or the default profile)
Example: npx wagtail-scale-to-zero manage --stack Cms -- createsuperuser --noinput --username ed --email ed@example.org`;

/** The exit code of a call this CLI refuses to make, as the runtime's refusals have it. */
const USAGE_ERROR = 2;
/** The exit code when the command could not run or finish (AWS refused, the function failed), as `docker run` has it. */
const NOT_RUN = 125;
/** How often a command that is still running says so. */
const PROGRESS_SECONDS = 15;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      stack: { type: 'string' },
      function: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [subcommand, ...command] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problem = subcommand !== 'manage' ? `unknown subcommand ${subcommand ?? '(none)'}`
    : command.length === 0 ? 'no management command given after --'
      : (values.stack === undefined) === (values.function === undefined) ? 'pass exactly one of --stack and --function' : undefined;
  if (problem) {
    process.stderr.write(`wagtail-scale-to-zero: ${problem}\n${USAGE}\n`);
    return USAGE_ERROR;
  }
  const target: AwsTarget = { region: values.region, profile: values.profile };
  const functionName = values.function ?? await operatorFunctionOf(values.stack!, target);
  const started = Date.now();
  process.stderr.write(`wagtail-scale-to-zero: running ${command[0]} on ${functionName}\n`);
  const progress = setInterval(() => {
    process.stderr.write(`wagtail-scale-to-zero: ${command[0]} still running (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }, PROGRESS_SECONDS * 1000);
  try {
    const result = await manage(functionName, command, target);
    process.stdout.write(result.output.endsWith('\n') || result.output === '' ? result.output : `${result.output}\n`);
    process.stderr.write(`wagtail-scale-to-zero: ${command[0]} exited with ${result.exitCode}`
      + `${result.seconds !== undefined ? ` after ${result.seconds} s` : ''}\n`);
    return result.exitCode;
  } finally {
    clearInterval(progress);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
  const badArguments = String(error?.code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`wagtail-scale-to-zero: ${error instanceof OperatorError || badArguments ? error.message : error?.stack ?? error}\n`);
  process.exitCode = badArguments ? USAGE_ERROR : NOT_RUN;
});
