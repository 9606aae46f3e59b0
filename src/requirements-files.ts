import * as fs from 'fs';
import * as path from 'path';

/** What pip reads from a project's directory when it installs the project's `requirements.txt` from there. */
export interface ProjectRequirements {
  /**
   * The requirement and constraint files (`requirements.txt` and every file it includes with `-r`/`-c`), and the
   * local packages they name by path; relative to the project directory, in the order pip meets them.
   */
  readonly paths: string[];
  /** Whether one of the requirement files (not a constraint file) names the runtime package. */
  readonly namesRuntime: boolean;
}

/** The options that include another file: a requirement file, or a constraint file whose lines install nothing. */
const INCLUDES: { [option: string]: 'requirement' | 'constraint' } = {
  '-r': 'requirement', '--requirement': 'requirement', '-c': 'constraint', '--constraint': 'constraint',
};
const EDITABLE = ['-e', '--editable'];
const RUNTIME_LINE = /^wagtail-scale-to-zero-runtime\b/;

/**
 * Follows `requirements.txt` in `directory` as pip does: `-r`/`--requirement` and `-c`/`--constraint` name files
 * relative to the file that includes them, while a requirement given as a local path (`./packages/x`) is relative to
 * the directory pip runs in, the project's. Fails, naming the file and line, on a file or path that is missing or
 * lies outside the project, since the image is built from the project directory alone.
 */
export function readProjectRequirements(directory: string): ProjectRequirements {
  const root = path.resolve(directory);
  const paths: string[] = [];
  let namesRuntime = false;

  const visit = (file: string, kind: 'requirement' | 'constraint'): void => {
    const relative = path.relative(root, file);
    if (paths.includes(relative)) {
      return;
    }
    paths.push(relative);
    for (const { number, text } of logicalLines(fs.readFileSync(file, 'utf-8'))) {
      const where = `${relative} line ${number}`;
      const tokens = text.split(/\s+/);
      const option = includedFile(tokens);
      if (option) {
        if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(option.file)) {
          const included = inProject(root, path.resolve(path.dirname(file), option.file), where, option.file);
          if (!fs.statSync(included, { throwIfNoEntry: false })?.isFile()) {
            throw new Error(`fromWagtailProject: ${where} includes ${option.file}, but there is no such file ` +
              `(${path.relative(root, included)} in the project); add it or remove the line`);
          }
          visit(included, kind === 'constraint' ? 'constraint' : option.kind);
        }
        continue;
      }
      if (EDITABLE.includes(tokens[0]) && looksLikePath(tokens[1] ?? '')) {
        throw new Error(`fromWagtailProject: ${where} installs ${tokens[1]} as editable (${tokens[0]}); ` +
          'the image installs its packages once, so remove the -e');
      }
      if (tokens[0].startsWith('-')) {
        continue;
      }
      const requirement = tokens[0].split(';')[0].replace(/\[[^\]]*\]$/, '');
      if (looksLikePath(requirement)) {
        const local = inProject(root, path.resolve(root, requirement), where, requirement);
        if (!fs.existsSync(local)) {
          throw new Error(`fromWagtailProject: ${where} installs ${requirement}, which is not in the project ` +
            '(a path in a requirement file is relative to the project directory, where pip runs)');
        }
        if (!paths.includes(path.relative(root, local))) {
          paths.push(path.relative(root, local));
        }
      } else if (kind === 'requirement' && RUNTIME_LINE.test(requirement)) {
        namesRuntime = true;
      }
    }
  };
  visit(path.join(root, 'requirements.txt'), 'requirement');
  return { paths, namesRuntime };
}

/** The lines of a requirement file as pip reads them: continuations joined, comments removed, blank lines left out. */
function logicalLines(content: string): { number: number; text: string }[] {
  const lines: { number: number; text: string }[] = [];
  let pending: { number: number; text: string } | undefined;
  content.split(/\r?\n/).forEach((raw, index) => {
    const line = pending ? { number: pending.number, text: pending.text + raw } : { number: index + 1, text: raw };
    if (line.text.endsWith('\\')) {
      pending = { number: line.number, text: line.text.slice(0, -1) };
      return;
    }
    pending = undefined;
    const text = line.text.replace(/(^|\s+)#.*$/, '').trim();
    if (text) {
      lines.push({ number: line.number, text });
    }
  });
  return lines;
}

/** The file a line includes, in any spelling pip accepts: `-r f`, `-rf`, `--requirement f`, `--requirement=f`. */
function includedFile(tokens: string[]): { file: string; kind: 'requirement' | 'constraint' } | undefined {
  const [first, second] = tokens;
  for (const [option, kind] of Object.entries(INCLUDES)) {
    if (first === option && second) {
      return { file: second, kind };
    }
    const joined = option.startsWith('--') ? `${option}=` : option;
    if (first.startsWith(joined) && first.length > joined.length) {
      return { file: first.slice(joined.length), kind };
    }
  }
  return undefined;
}

/** Whether pip takes a requirement for a local path rather than a name or a URL. */
function looksLikePath(requirement: string): boolean {
  return (requirement.startsWith('.') || requirement.includes('/')) && !requirement.includes('://') && !requirement.includes('@');
}

/** `target` when it lies inside the project; else an error naming where it was named. */
function inProject(root: string, target: string, where: string, given: string): string {
  const relative = path.relative(root, target);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`fromWagtailProject: ${where} names ${given}, which lies outside the project directory ${root}; ` +
      'the image is built from the project directory alone, so move the file into it');
  }
  return target;
}
