import * as fs from 'fs';
import * as path from 'path';
import { App, cx_api as cxapi } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { customizedStack, defaultStack, stackWith } from './fixtures/stacks';

function keepsLastImages(count: number) {
  const rule = Match.objectLike({ selection: Match.objectLike({ countType: 'imageCountMoreThan', countNumber: count }) });
  return { LifecyclePolicy: { LifecyclePolicyText: Match.serializedJson(Match.objectLike({ rules: [rule] })) } };
}

function envVar(name: string, value: unknown) {
  return Match.arrayWith([{ Name: name, Value: value }]);
}

describe('default stack', () => {
  const template = Template.fromStack(defaultStack(new App()));

  test('a VPC in 2 AZs with isolated subnets only, no NAT, no internet gateway', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 0);
    const azs = Object.values(template.findResources('AWS::EC2::Subnet')).map((s) => JSON.stringify(s.Properties.AvailabilityZone));
    expect(new Set(azs).size).toBe(2);
  });

  test('an S3 gateway endpoint on both subnets route tables', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])] }),
      RouteTableIds: Match.arrayWith([
        { Ref: Match.stringLikeRegexp('IsolatedSubnet1RouteTable') },
        { Ref: Match.stringLikeRegexp('IsolatedSubnet2RouteTable') },
      ]),
    });
  });

  test('Aurora PostgreSQL Serverless v2, 0-4 ACU, pauses after 300 s, encrypted, snapshot on removal', () => {
    template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        EngineVersion: '17.7',
        StorageEncrypted: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 },
        MasterUserPassword: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      }),
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      PubliclyAccessible: false,
      EnablePerformanceInsights: false,
    });
  });

  test('a cluster parameter group closes idle sessions before the database would pause', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Family: 'aurora-postgresql17',
      Parameters: { 'idle_session_timeout': '120000', 'rds.force_ssl': '1' },
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      DBClusterParameterGroupName: { Ref: Match.stringLikeRegexp('DatabaseParameters') },
    });
  });

  test('the database accepts 5432 only from the VPC connector and the operator function security groups', () => {
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    const rules = Object.values(ingress).map((r) => r.Properties);
    expect(rules).toHaveLength(2);
    const databasePort = { 'Fn::GetAtt': [expect.stringMatching(/^CmsDatabase[0-9A-F]+$/), 'Endpoint.Port'] };
    for (const rule of rules) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: databasePort, ToPort: databasePort });
      expect(JSON.stringify(rule.GroupId)).toMatch(/DatabaseSecurityGroup/);
    }
    template.hasResourceProperties('AWS::RDS::DBCluster', { Port: 5432 });
    expect(rules.map((r) => JSON.stringify(r.SourceSecurityGroupId)).sort()).toEqual([
      expect.stringMatching(/ConnectorSecurityGroup/), expect.stringMatching(/OperatorSecurityGroup/),
    ]);
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.anyValue() }, 0);
  });

  test('the media bucket is private, TLS only, encrypted, retained; no CORS without a custom domain to name', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    });
    const media = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }));
    expect(media).toHaveLength(1);
    expect(media[0].Properties.CorsConfiguration).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('what the operator CLI imports and exports lives a day under the media bucket\'s transfer prefix, old versions too', () => {
    const media = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }));
    expect(media[0].Properties.LifecycleConfiguration.Rules).toEqual(expect.arrayContaining([{
      Prefix: 'transfer/',
      ExpirationInDays: 1,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      Status: 'Enabled',
    }]));
  });

  test('an ECR repository that scans on push and keeps the last 10 images, retained', () => {
    template.hasResource('AWS::ECR::Repository', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ ImageScanningConfiguration: { ScanOnPush: true }, ...keepsLastImages(10) }),
    });
  });

  test('the bundled image is copied into the repository under the tracked tag before the service exists', () => {
    const copies = template.findResources('Custom::CDKECRDeployment');
    // The other copy gives the operator function the image under its content tag.
    const [copyId, copy] = Object.entries(copies).find(([, c]) => JSON.stringify(c.Properties.DestImage).includes(':latest'))!;
    expect(Object.keys(copies)).toHaveLength(2);
    expect(JSON.stringify(copy.Properties.SrcImage)).toMatch(/cdk-hnb659fds-container-assets/);
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    expect(service.DependsOn).toEqual(expect.arrayContaining([copyId]));
    expect(JSON.stringify(service.Properties.SourceConfiguration.ImageRepository.ImageIdentifier)).toMatch(/:latest"/);
  });

  test('the image asset is built for linux/amd64 from the bundled app', () => {
    const app = new App();
    defaultStack(app);
    const assembly = app.synth();
    const manifest = assembly.artifacts.find((a) => a instanceof cxapi.AssetManifestArtifact) as cxapi.AssetManifestArtifact;
    const images = Object.values(JSON.parse(fs.readFileSync(manifest.file, 'utf-8')).dockerImages) as any[];
    expect(images).toHaveLength(1);
    expect(images[0].source.platform).toBe('linux/amd64');
    const staged = path.resolve(assembly.directory, images[0].source.directory);
    expect(fs.readFileSync(path.join(staged, 'Dockerfile'), 'utf-8')).toEqual(fs.readFileSync(path.join(__dirname, '..', 'app', 'Dockerfile'), 'utf-8'));
    expect(fs.existsSync(path.join(staged, 'manage.py'))).toBe(true);
  });

  test('App Runner: VPC egress through a connector without a fixed name, auto deploys, health check on /healthz', () => {
    template.hasResourceProperties('AWS::AppRunner::VpcConnector', {
      VpcConnectorName: Match.absent(),
      Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('IsolatedSubnet1') }, { Ref: Match.stringLikeRegexp('IsolatedSubnet2') }]),
    });
    template.hasResourceProperties('AWS::AppRunner::Service', {
      ServiceName: Match.absent(),
      NetworkConfiguration: { EgressConfiguration: { EgressType: 'VPC', VpcConnectorArn: Match.anyValue() }, IngressConfiguration: { IsPubliclyAccessible: true } },
      SourceConfiguration: Match.objectLike({ AutoDeploymentsEnabled: true, ImageRepository: Match.objectLike({ ImageRepositoryType: 'ECR' }) }),
      HealthCheckConfiguration: { Protocol: 'HTTP', Path: '/healthz', Interval: 10, Timeout: 5, HealthyThreshold: 1, UnhealthyThreshold: 10 },
      InstanceConfiguration: Match.objectLike({ Cpu: '0.5 vCPU', Memory: '1 GB' }),
    });
  });

  test('auto scaling 1 / 25 / 100', () => {
    template.hasResourceProperties('AWS::AppRunner::AutoScalingConfiguration', { MinSize: 1, MaxSize: 25, MaxConcurrency: 100, AutoScalingConfigurationName: Match.absent() });
  });

  test('secrets are injected as runtime secrets, never as plain values', () => {
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    const config = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration;
    const secretNames = config.RuntimeEnvironmentSecrets.map((s: any) => s.Name).sort();
    expect(secretNames).toEqual(['DATABASE_SECRET']);
    const plainNames = config.RuntimeEnvironmentVariables.map((v: any) => v.Name);
    expect(plainNames).not.toEqual(expect.arrayContaining(['DJANGO_SECRET_KEY']));
    // CloudFront's origin value is the one plain secret: the custom resource's masked attribute, never a literal.
    expect(plainNames.filter((n: string) => /PASSWORD|SECRET/.test(n))).toEqual(['CDN_ORIGIN_SECRET']);
    expect(config.RuntimeEnvironmentVariables.find((v: any) => v.Name === 'CDN_ORIGIN_SECRET').Value)
      .toEqual({ 'Fn::GetAtt': [expect.stringMatching(/CdnOriginVerify/), 'Value'] });
    // SECRET_KEY is derived from the database's generated password: no secret of its own.
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }) });
  });

  test('plain variables: buckets, region, runtime numbers; behind CloudFront no host or origin wildcard', () => {
    const vars = (name: string, value: unknown) => template.hasResourceProperties('AWS::AppRunner::Service', {
      SourceConfiguration: { ImageRepository: { ImageConfiguration: { RuntimeEnvironmentVariables: envVar(name, value) } } },
    });
    vars('AWS_STORAGE_BUCKET_NAME', { Ref: Match.stringLikeRegexp('MediaBucket') });
    vars('AWS_S3_REGION_NAME', 'eu-west-3');
    vars('PAGE_CACHE_BUCKET', { Ref: Match.stringLikeRegexp('PageCacheBucket') });
    const service = JSON.stringify(template.findResources('AWS::AppRunner::Service'));
    // The distribution's own domain reaches the app from CloudFront's viewer function, beside the origin secret.
    expect(service).not.toMatch(/DJANGO_ALLOWED_HOSTS|DJANGO_CSRF_TRUSTED_ORIGINS|\*|\.cloudfront\.net|awsapprunner/);
    vars('WEB_CONCURRENCY', '2');
    vars('GUNICORN_THREADS', '4');
    vars('DATABASE_CONNECT_TIMEOUT', '30');
    vars('OUTBOUND_CONNECT_TIMEOUT', '5');
  });

  test('PORT is left to App Runner, which reserves the name and sets it from the image port', () => {
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    const config = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration;
    expect(config.Port).toBe('8000');
    expect(config.RuntimeEnvironmentVariables.map((v: any) => v.Name)).not.toContain('PORT');
  });

  test('without email: the outbox carries only CloudFront purges, and the app is told nothing about email', () => {
    // The operator function, the outbox sender, the origin value's handler, and CDK's handlers: image copy, log
    // retention, bucket notifications, emptying buckets.
    template.resourceCountIs('AWS::Lambda::Function', 7);
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    const names = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentVariables.map((v: any) => v.Name);
    expect(names).not.toContain('EMAIL_OUTBOX_BUCKET');
    expect(names).not.toContain('WAGTAILADMIN_BASE_URL');
  });

  test('the access role can only pull from its repository', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'build.apprunner.amazonaws.com' } })] },
    });
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('AccessRole'))!;
    const statements = policy.Properties.PolicyDocument.Statement;
    for (const statement of statements) {
      if (statement.Resource === '*') {
        expect(statement.Action).toBe('ecr:GetAuthorizationToken');
      } else {
        expect(JSON.stringify(statement.Resource)).toMatch(/Repository/);
      }
    }
    expect(JSON.stringify(statements)).toMatch(/ecr:BatchGetImage/);
    expect(JSON.stringify(statements)).toMatch(/ecr:DescribeImages/);
  });

  test('the instance role uses only its media and page cache buckets, puts purges and schedule requests in the outbox, reads only its own secrets', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('InstanceRole'))!;
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const resources = statements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r: unknown) => JSON.stringify(r)));
    for (const resource of resources) {
      expect(resource).toMatch(/MediaBucket|PageCacheBucket|OutboxBucket.*\/(purge|schedule)\/\*|DatabaseSecret/);
    }
    expect(resources.filter((r) => /Secret/.test(r))).toHaveLength(1);
    const actions = statements.flatMap((s) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket']));
    expect(actions.filter((a: string) => a.startsWith('secretsmanager:'))).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
  });

  test('log retention of one month on the service application and service log groups', () => {
    template.resourceCountIs('Custom::LogRetention', 2);
    for (const kind of ['application', 'service']) {
      template.hasResourceProperties('Custom::LogRetention', {
        RetentionInDays: 30,
        LogGroupName: { 'Fn::Join': ['/', ['/aws/apprunner', Match.anyValue(), { 'Fn::GetAtt': [Match.stringLikeRegexp('Service'), 'ServiceId'] }, kind]] },
      });
    }
  });

  test('outputs the service URL and the database secret (the readiness token\'s root); no admin password or SECRET_KEY secret', () => {
    const outputs = template.findOutputs('*');
    const byDescription = Object.values(outputs).map((o) => [o.Description, JSON.stringify(o.Value)]);
    expect(byDescription).toEqual(expect.arrayContaining([
      ['URL of the Wagtail CMS', expect.stringMatching(/https:\/\/.*Distribution.*DomainName/)],
      [expect.stringMatching(/database credentials, from which the app derives SECRET_KEY and the \/readyz token/), expect.stringMatching(/DatabaseSecret/)],
    ]));
    expect(JSON.stringify(outputs)).not.toMatch(/AdminPassword|password of|SecretKeySecret/);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) => /AdminPassword|DjangoSecretKey/.test(id))).toEqual([]);
  });
});

describe('stack with every prop set', () => {
  const template = Template.fromStack(customizedStack(new App()));

  test('uses the given VPC: no new VPC, S3 endpoint on its private subnets, connector in them', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) => /FlowLog/.test(id))).toEqual([]);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: { Ref: Match.stringLikeRegexp('ExistingVpc') },
      RouteTableIds: [{ Ref: Match.stringLikeRegexp('ExistingVpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('ExistingVpcPrivateSubnet2') }],
    });
    template.hasResourceProperties('AWS::AppRunner::VpcConnector', {
      Subnets: [{ Ref: Match.stringLikeRegexp('ExistingVpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('ExistingVpcPrivateSubnet2') }],
    });
  });

  test('scaling, size, health check and database values are the ones given', () => {
    template.hasResourceProperties('AWS::AppRunner::AutoScalingConfiguration', { MinSize: 2, MaxSize: 10, MaxConcurrency: 50 });
    template.hasResourceProperties('AWS::AppRunner::Service', {
      InstanceConfiguration: Match.objectLike({ Cpu: '1 vCPU', Memory: '2 GB' }),
      HealthCheckConfiguration: { Protocol: 'HTTP', Path: '/healthz', Interval: 5, Timeout: 3, HealthyThreshold: 2, UnhealthyThreshold: 4 },
    });
    template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        DatabaseName: 'cms',
        BackupRetentionPeriod: 14,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 8, SecondsUntilAutoPause: 1800 },
      }),
    });
  });

  test('removal policies destroy media and images with the stack', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 3); // media, and the outbox and page cache (always emptied)
    template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ EmptyOnDelete: true }) });
  });

  test('custom domain, admin, environment, tag and retention reach the service', () => {
    const config = {
      SourceConfiguration: {
        ImageRepository: {
          ImageConfiguration: {
            RuntimeEnvironmentVariables: Match.arrayWith([
              { Name: 'WAGTAIL_SITE_NAME', Value: 'Branch preview' },
              { Name: 'DATABASE_NAME', Value: 'cms' },
              { Name: 'DJANGO_ALLOWED_HOSTS', Value: 'cms.example.com' },
              { Name: 'DJANGO_CSRF_TRUSTED_ORIGINS', Value: 'https://cms.example.com' },
              { Name: 'DJANGO_SUPERUSER_USERNAME', Value: 'editor' },
              { Name: 'DJANGO_SUPERUSER_EMAIL', Value: 'editor@example.com' },
            ]),
          },
        },
      },
    };
    template.hasResourceProperties('AWS::AppRunner::Service', config);
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    expect(JSON.stringify(service.Properties.SourceConfiguration.ImageRepository.ImageIdentifier)).toMatch(/:stable"/);
    template.hasResourceProperties('Custom::LogRetention', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::ECR::Repository', keepsLastImages(3));
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['https://cms.example.com'] })] },
    });
  });
});

test('without CloudFront the compute\'s domain in its region stands in for its own URL, which its environment cannot name', () => {
  const template = Template.fromStack(stackWith({ cdn: false, domainName: 'cms.example.com' }).stack);
  const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
  const variables = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentVariables;
  expect(variables).toEqual(expect.arrayContaining([
    { Name: 'DJANGO_ALLOWED_HOSTS', Value: '.eu-west-3.awsapprunner.com,cms.example.com' },
    { Name: 'DJANGO_CSRF_TRUSTED_ORIGINS', Value: 'https://*.eu-west-3.awsapprunner.com,https://cms.example.com' },
  ]));
});
