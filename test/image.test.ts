import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { WagtailImage, WagtailScaleToZero } from '../src';
import { ENV } from './fixtures/stacks';

test('fromEcrRepository uses the given repository and tag: nothing is built or copied', () => {
  const stack = new Stack(new App(), 'Own', { env: ENV });
  const repository = ecr.Repository.fromRepositoryName(stack, 'Mine', 'my-wagtail');
  const cms = new WagtailScaleToZero(stack, 'Cms', { image: WagtailImage.fromEcrRepository(repository, 'v42') });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::ECR::Repository', 0);
  template.resourceCountIs('Custom::CDKECRDeployment', 0);
  expect(cms.repository).toBe(repository);
  template.hasResourceProperties('AWS::AppRunner::Service', {
    SourceConfiguration: Match.objectLike({
      AutoDeploymentsEnabled: true,
      ImageRepository: Match.objectLike({ ImageIdentifier: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/my-wagtail:v42'])] }) }),
    }),
  });
  const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('AccessRole'))!;
  expect(JSON.stringify(policy.Properties.PolicyDocument)).toMatch(/repository\/my-wagtail/);
});

test('the construct is a grantable principal: the running app role', () => {
  const stack = new Stack(new App(), 'Grants', { env: ENV });
  const repository = ecr.Repository.fromRepositoryName(stack, 'Mine', 'my-wagtail');
  const cms = new WagtailScaleToZero(stack, 'Cms', { image: WagtailImage.fromEcrRepository(repository) });
  const other = new ecr.Repository(stack, 'Other');
  other.grantPull(cms);
  const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('InstanceRole'))!;
  expect(JSON.stringify(policy.Properties.PolicyDocument)).toMatch(/Other[0-9A-F]+","Arn"/);
});
