import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');

test('GitHub build runs the same task list as .ci/run: test:all', () => {
  const workflow = fs.readFileSync(path.join(root, '.github', 'workflows', 'build.yml'), 'utf-8');
  const job = workflow.slice(workflow.indexOf('\n  test-all:'));
  expect(job).toMatch(/run: sudo --preserve-env env "PATH=\$PATH" npx projen test:all/);
  expect(job).toMatch(/run: npm ci/);
  expect(fs.readFileSync(path.join(root, '.ci', 'run'), 'utf-8')).toMatch(/^npx projen test:all$/m);
});

test('test:all holds every test rung', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf-8')).tasks;
  const steps = tasks['test:all'].steps.map((s: { spawn: string }) => s.spawn);
  for (const rung of ['test', 'test:cfn-lint', 'integ:snapshot', 'test:functions', 'test:app', 'test:image', 'test:lambda', 'test:fresh-sites', 'test:browser', 'test:bindings', 'bench:smoke']) {
    expect(steps).toContain(rung);
  }
});
