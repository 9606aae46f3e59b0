import { Token } from 'aws-cdk-lib';

/** The problems the settings pass in progress has found; undefined outside a pass. */
let problemsOfPass: string[] | undefined;

/** Reports a bad setting: to the settings pass in progress (see `settingsPass`), else at once as an error. */
export function invalid(message: string): void {
  if (problemsOfPass === undefined) {
    throw new Error(message);
  }
  problemsOfPass.push(message);
}

/**
 * Runs `resolve` as one settings pass: each check reports its problem and the pass goes on, then one error tied to the
 * construct's `path` lists them all (as aws-rds's validateDatabaseClusterProps does). An error thrown by the pass
 * itself (a value a failed check let through) joins the list.
 */
export function settingsPass<T>(path: string, resolve: () => T): T {
  const outer = problemsOfPass;
  const problems: string[] = [];
  problemsOfPass = problems;
  let result: T | undefined;
  try {
    result = resolve();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    problemsOfPass = outer;
  }
  if (problems.length === 1) {
    throw new Error(`${path}: ${problems[0]}`);
  }
  if (problems.length > 1) {
    throw new Error(`${path}: ${problems.length} invalid settings:\n- ${problems.join('\n- ')}`);
  }
  return result as T;
}

/**
 * Fails synth when a number lies outside [min, max]; tokens are left for CloudFormation to check.
 * The message names the prop, the allowed range and the value given.
 */
export function checkRange(prop: string, value: number | undefined, min: number, max: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    invalid(`${prop} must be between ${min} and ${max}${unit} (inclusive); got ${value}${unit}`);
  }
}

/** Fails synth when a number is not a whole number. */
export function checkInteger(prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value)) {
    invalid(`${prop} must be a whole number; got ${value}`);
  }
}

/** Fails synth when `value` is smaller than `lowerBound` (both resolved). */
export function checkNotBelow(prop: string, value: number, lowerProp: string, lowerBound: number): void {
  if (Token.isUnresolved(value) || Token.isUnresolved(lowerBound)) {
    return;
  }
  if (value < lowerBound) {
    invalid(`${prop} (${value}) must be greater than or equal to ${lowerProp} (${lowerBound})`);
  }
}

/** A Debian package name (Debian Policy 5.6.1): lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit. */
const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** Fails synth when a name is not a Debian package name; the message names the prop and the name given. */
export function checkDebianPackages(prop: string, names: string[] | undefined): void {
  for (const name of names ?? []) {
    if (!DEBIAN_PACKAGE_NAME.test(name)) {
      invalid(`${prop}: ${JSON.stringify(name)} is not a Debian package name; give names alone, of two ` +
        'characters or more: lowercase letters, digits, +, - and ., starting with a letter or digit (e.g. libmagic1)');
    }
  }
}
