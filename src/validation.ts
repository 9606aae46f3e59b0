import { Token } from 'aws-cdk-lib';

/**
 * Fails synth when a number lies outside [min, max]; tokens are left for CloudFormation to check.
 * The message names the prop, the allowed range and the value given.
 */
export function checkRange(prop: string, value: number | undefined, min: number, max: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${prop} must be between ${min} and ${max}${unit} (inclusive); got ${value}${unit}`);
  }
}

/** Fails synth when a number is not a whole number. */
export function checkInteger(prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value)) {
    throw new Error(`${prop} must be a whole number; got ${value}`);
  }
}

/** Fails synth when `value` is smaller than `lowerBound` (both resolved). */
export function checkNotBelow(prop: string, value: number, lowerProp: string, lowerBound: number): void {
  if (Token.isUnresolved(value) || Token.isUnresolved(lowerBound)) {
    return;
  }
  if (value < lowerBound) {
    throw new Error(`${prop} (${value}) must be greater than or equal to ${lowerProp} (${lowerBound})`);
  }
}

/** A Debian package name (Debian Policy 5.6.1): lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit. */
const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** Fails synth when a name is not a Debian package name; the message names the prop and the name given. */
export function checkDebianPackages(prop: string, names: string[] | undefined): void {
  for (const name of names ?? []) {
    if (!DEBIAN_PACKAGE_NAME.test(name)) {
      throw new Error(`${prop}: ${JSON.stringify(name)} is not a Debian package name; give names alone, of two ` +
        'characters or more: lowercase letters, digits, +, - and ., starting with a letter or digit (e.g. libmagic1)');
    }
  }
}
