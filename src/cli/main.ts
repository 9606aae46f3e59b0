#!/usr/bin/env node
import * as fs from 'fs';
import { parseArgs } from 'util';
import { AwsTarget, ManageResult, OperatorError, manage, operatorFunctionOf } from './operator-function';
import { PROGRESS_SECONDS, exportSite, importSite } from './site-transfer';
import { setPassword } from './user-password';

const USAGE = `usage: wagtail-scale-to-zero manage (--stack <name> | --function <name>) [--region <region>] [--profile <profile>] -- <command> [<arg> ...]
       wagtail-scale-to-zero import (--stack <name> | --function <name>) [--database <file>] [--media <dir>] [--replace] [--backup-to <dir>]
       wagtail-scale-to-zero export (--stack <name> | --function <name>) --to <dir>
       wagtail-scale-to-zero password (--stack <name> | --function <name>) [--user <name>]

Operates a deployed WagtailScaleToZero site through its operator function (stack output OperatorFunctionName).
  manage      runs a Django management command, prints its output (secrets redacted), exits with its status
  import      uploads a database file (pg_dump --format=custom, or a dumpdata JSON fixture) and the site's media
              directory (MEDIA_ROOT), then replaces the database by it and copies the media under the same keys;
              a database that holds content is refused unless --replace, which first downloads a dump of it
  export      downloads a dump of the database (database.dump, pg_restore reads it) and every media file (media/)
  password    gives a user (default: the first administrator) a new random password and prints it, once: the site
              keeps no copy, and the first administrator has none until this sets one
Exit status: the command's; 2 for a call refused; 125 when AWS refused the call or the function failed before the
command ended.
  --stack     the CloudFormation stack that holds the site (its OperatorFunctionName output names the function)
  --function  the operator function's name, instead of --stack
  --region    the AWS region (default: AWS_REGION, or the profile's)
  --profile   the named profile of your AWS configuration (default: AWS_PROFILE, or the default profile)
  --database  import: the database file
  --media     import: the media directory
  --replace   import: replace a database that holds content, and media files of the same names
  --backup-to import --replace: where the dump of the database as it was goes (default: the current directory)
  --to        export: a new or empty directory
  --user      password: the user's name (default: the first administrator)
Examples: npx wagtail-scale-to-zero manage --stack Cms -- createsuperuser --noinput --username ed --email ed@example.org
          npx wagtail-scale-to-zero import --stack Cms --database site.dump --media ./media
          npx wagtail-scale-to-zero export --stack Cms --to ./cms-copy
          npx wagtail-scale-to-zero password --stack Cms`;

/** The exit code of a call this CLI refuses to make, as the runtime's refusals have it. */
const USAGE_ERROR = 2;
/** The exit code when the command could not run or finish (AWS refused, the function failed), as `docker run` has it. */
const NOT_RUN = 125;

const report = (line: string) => process.stderr.write(`wagtail-scale-to-zero: ${line}\n`);

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'stack': { type: 'string' },
      'function': { type: 'string' },
      'region': { type: 'string' },
      'profile': { type: 'string' },
      'database': { type: 'string' },
      'media': { type: 'string' },
      'replace': { type: 'boolean', default: false },
      'backup-to': { type: 'string', default: '.' },
      'to': { type: 'string' },
      'user': { type: 'string' },
      'help': { type: 'boolean', short: 'h' },
    },
  });
  const [subcommand, ...command] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problem = !['manage', 'import', 'export', 'password'].includes(subcommand) ? `unknown subcommand ${subcommand ?? '(none)'}`
    : (values.stack === undefined) === (values.function === undefined) ? 'pass exactly one of --stack and --function'
      : subcommand === 'manage' && command.length === 0 ? 'no management command given after --'
        : subcommand !== 'manage' && command.length > 0 ? `${subcommand} takes no arguments after its options`
          : subcommand === 'import' && values.database === undefined && values.media === undefined ? 'import needs --database, --media or both'
            : subcommand === 'export' && values.to === undefined ? 'export needs --to <dir>'
              : values.database !== undefined && !fs.statSync(values.database, { throwIfNoEntry: false })?.isFile() ? `--database ${values.database} is not a file`
                : values.media !== undefined && !fs.statSync(values.media, { throwIfNoEntry: false })?.isDirectory() ? `--media ${values.media} is not a directory` : undefined;
  if (problem) {
    process.stderr.write(`wagtail-scale-to-zero: ${problem}\n${USAGE}\n`);
    return USAGE_ERROR;
  }
  const target: AwsTarget = { region: values.region, profile: values.profile };
  const functionName = values.function ?? await operatorFunctionOf(values.stack!, target);
  const work = subcommand === 'manage' ? { label: command[0], run: () => manage(functionName, command, target) }
    : subcommand === 'password' ? { label: 'password', run: () => setPassword(functionName, values.user, target, report) }
      : subcommand === 'import' ? {
        label: 'import',
        run: () => importSite(functionName, {
          database: values.database, media: values.media, replace: values.replace!, backupTo: values['backup-to']!,
        }, target, report),
      } : { label: 'export', run: () => exportSite(functionName, values.to!, target, report) };
  const result = await withProgress(work.label, functionName, work.run);
  process.stdout.write(result.output.endsWith('\n') || result.output === '' ? result.output : `${result.output}\n`);
  report(`${work.label} exited with ${result.exitCode}${result.seconds !== undefined ? ` after ${result.seconds} s` : ''}`);
  return result.exitCode;
}

/** Runs `work`, saying that it started and, every PROGRESS_SECONDS, that it still runs. */
async function withProgress(label: string, functionName: string, work: () => Promise<ManageResult>): Promise<ManageResult> {
  const started = Date.now();
  report(`running ${label} on ${functionName}`);
  const progress = setInterval(() => {
    report(`${label} still running (${Math.round((Date.now() - started) / 1000)} s)`);
  }, PROGRESS_SECONDS * 1000);
  try {
    return await work();
  } finally {
    clearInterval(progress);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
  const badArguments = String(error?.code).startsWith('ERR_PARSE_ARGS');
  report(error instanceof OperatorError || badArguments ? error.message : error?.stack ?? error);
  process.exitCode = badArguments ? USAGE_ERROR : NOT_RUN;
});
