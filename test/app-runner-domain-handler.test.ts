import * as path from 'path';
import {
  AppRunnerClient,
  AssociateCustomDomainCommand,
  CertificateValidationRecord,
  CustomDomainAssociationStatus,
  DescribeCustomDomainsCommand,
  DescribeCustomDomainsResponse,
  DisassociateCustomDomainCommand,
  InvalidRequestException,
  ResourceNotFoundException,
} from '@aws-sdk/client-apprunner';
import { ChangeResourceRecordSetsCommand, InvalidChangeBatch, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * The custom resource handler of App Runner domains (functions/app-runner-domain), run as the Lambda runtime runs it
 * (plain CommonJS) with App Runner and Route 53 mocked: App Runner has no local emulator.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const handler = require(path.join(__dirname, '..', 'functions', 'app-runner-domain', 'index.js'));

const SERVICE_ARN = 'arn:aws:apprunner:eu-west-3:123456789012:service/cms/0123456789abcdef0123456789abcdef';
const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const DNS_TARGET = 'abcdefgh12.eu-west-3.awsapprunner.com';
const PROPERTIES = { ServiceArn: SERVICE_ARN, DomainName: 'cms.example.com', HostedZoneId: ZONE_ID };
const PHYSICAL_ID = `${SERVICE_ARN}|cms.example.com`;

const appRunner = mockClient(AppRunnerClient);
const route53 = mockClient(Route53Client);

/** A validation record as App Runner lists it. */
function validationRecord(name: string, value: string): CertificateValidationRecord {
  return { Name: name, Type: 'CNAME', Value: value, Status: 'PENDING_VALIDATION' };
}

/**
 * App Runner's view of one associated domain, as DescribeCustomDomains returns it: the service sends statuses in
 * lower case, which the SDK's types (upper case) do not list.
 */
function described(domainName: string, status: string, records: CertificateValidationRecord[] = []): Partial<DescribeCustomDomainsResponse> {
  return {
    DNSTarget: DNS_TARGET,
    ServiceArn: SERVICE_ARN,
    CustomDomains: [{
      DomainName: domainName,
      EnableWWWSubdomain: false,
      Status: status as CustomDomainAssociationStatus,
      CertificateValidationRecords: records,
    }],
  };
}

const RECORDS = [
  validationRecord('_1a2b3c.cms.example.com.', '_4d5e6f.abcdefghij.acm-validations.aws.'),
  validationRecord('_7a8b9c.2a57j78.cms.example.com.', '_0d1e2f.abcdefghij.acm-validations.aws.'),
];

/** The CNAME record sets the handler writes and deletes for cms.example.com. */
function cnames(action: string) {
  const cname = (name: string, value: string) => ({
    Action: action,
    ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: value }] },
  });
  return [
    cname('_1a2b3c.cms.example.com.', '_4d5e6f.abcdefghij.acm-validations.aws.'),
    cname('_7a8b9c.2a57j78.cms.example.com.', '_0d1e2f.abcdefghij.acm-validations.aws.'),
    cname('cms.example.com', DNS_TARGET),
  ];
}

beforeAll(() => {
  process.env.AWS_REGION = 'eu-west-3';
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

beforeEach(() => {
  appRunner.reset();
  route53.reset();
});

describe('create', () => {
  test('associates the domain without www and names the resource by service and domain', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves({ DNSTarget: DNS_TARGET, ServiceArn: SERVICE_ARN, CustomDomains: [] });
    appRunner.on(AssociateCustomDomainCommand).resolves(described('cms.example.com', 'creating'));

    const result = await handler.onEvent({ RequestType: 'Create', ResourceProperties: PROPERTIES });

    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(appRunner.commandCalls(AssociateCustomDomainCommand).map((c) => c.args[0].input))
      .toEqual([{ ServiceArn: SERVICE_ARN, DomainName: 'cms.example.com', EnableWWWSubdomain: false }]);
    expect(route53.calls()).toHaveLength(0);
  });

  test('a domain already associated (a retry, or a rollback to it) is not associated again', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'active', RECORDS));

    const result = await handler.onEvent({ RequestType: 'Create', ResourceProperties: PROPERTIES });

    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(appRunner.commandCalls(AssociateCustomDomainCommand)).toHaveLength(0);
  });

  test('a domain App Runner lists in another case counts as associated', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'active', RECORDS));

    await handler.onEvent({ RequestType: 'Create', ResourceProperties: { ...PROPERTIES, DomainName: 'CMS.Example.com' } });

    expect(appRunner.commandCalls(AssociateCustomDomainCommand)).toHaveLength(0);
  });

  test('not complete, and nothing written, until App Runner lists the validation records', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'creating'));

    const result = await handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES });

    expect(result).toEqual({ IsComplete: false });
    expect(route53.calls()).toHaveLength(0);
  });

  test('then UPSERTs the validation records and the domain\'s CNAME to the DNS target in one change batch', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'pending_certificate_dns_validation', RECORDS));
    route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });

    await handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES });

    expect(route53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([{
      HostedZoneId: ZONE_ID,
      ChangeBatch: { Comment: 'App Runner custom domain cms.example.com', Changes: cnames('UPSERT') },
    }]);
  });

  test('a domain that stays pending validation completes at once with its status, without waiting for the certificate', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'pending_certificate_dns_validation', RECORDS));
    route53.on(ChangeResourceRecordSetsCommand).resolves({});

    const result = await handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES });

    expect(result).toEqual({ IsComplete: true, Data: { Status: 'pending_certificate_dns_validation' } });
    expect(appRunner.commandCalls(DescribeCustomDomainsCommand)).toHaveLength(1);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
  });

  test('finds the domain on a later page, and reads statuses in either case', async () => {
    appRunner.on(DescribeCustomDomainsCommand, { NextToken: undefined }).resolves({ ...described('other.example.com', 'active'), NextToken: 'page-2' });
    appRunner.on(DescribeCustomDomainsCommand, { NextToken: 'page-2' }).resolves(described('cms.example.com', 'ACTIVE', RECORDS));
    route53.on(ChangeResourceRecordSetsCommand).resolves({});

    const result = await handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES });

    expect(result).toEqual({ IsComplete: true, Data: { Status: 'active' } });
  });

  test('a validation record listed twice is written once', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'pending_certificate_dns_validation', [...RECORDS, RECORDS[0]]));
    route53.on(ChangeResourceRecordSetsCommand).resolves({});

    await handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES });

    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch!.Changes).toEqual(cnames('UPSERT'));
  });
});

describe('rename', () => {
  test('a new domain is a new resource: associated under a new physical id, then the old one deleted alone', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'active', RECORDS));
    appRunner.on(AssociateCustomDomainCommand).resolves({});
    appRunner.on(DisassociateCustomDomainCommand).resolves({});
    route53.on(ChangeResourceRecordSetsCommand).resolves({});
    const renamed = { ...PROPERTIES, DomainName: 'www.example.com' };

    const update = await handler.onEvent({
      RequestType: 'Update', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: renamed, OldResourceProperties: PROPERTIES,
    });
    expect(update).toEqual({ PhysicalResourceId: `${SERVICE_ARN}|www.example.com` });
    expect(appRunner.commandCalls(AssociateCustomDomainCommand).map((c) => c.args[0].input))
      .toEqual([{ ServiceArn: SERVICE_ARN, DomainName: 'www.example.com', EnableWWWSubdomain: false }]);

    // CloudFormation's clean-up deletes the old resource, with its old properties.
    await handler.onEvent({ RequestType: 'Delete', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES });
    expect(appRunner.commandCalls(DisassociateCustomDomainCommand).map((c) => c.args[0].input))
      .toEqual([{ ServiceArn: SERVICE_ARN, DomainName: 'cms.example.com' }]);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand).flatMap((c) => c.args[0].input.ChangeBatch!.Changes))
      .toEqual(cnames('DELETE'));
  });

  test('an update that keeps the domain keeps the physical id and associates nothing', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'active', RECORDS));

    const update = await handler.onEvent({
      RequestType: 'Update', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: { ...PROPERTIES, HostedZoneId: 'Z2' }, OldResourceProperties: PROPERTIES,
    });

    expect(update).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(appRunner.commandCalls(AssociateCustomDomainCommand)).toHaveLength(0);
  });
});

describe('delete', () => {
  const deleteEvent = { RequestType: 'Delete', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES };

  test('deletes each record from the zone, then disassociates the domain', async () => {
    const calls: string[] = [];
    appRunner.on(DescribeCustomDomainsCommand).callsFake(() => {
      calls.push('describe');
      return described('cms.example.com', 'active', RECORDS);
    });
    appRunner.on(DisassociateCustomDomainCommand).callsFake(() => {
      calls.push('disassociate');
      return {};
    });
    route53.on(ChangeResourceRecordSetsCommand).callsFake((input) => {
      calls.push(`${input.ChangeBatch.Changes[0].Action} ${input.ChangeBatch.Changes[0].ResourceRecordSet.Name}`);
      return {};
    });

    expect(await handler.onEvent(deleteEvent)).toEqual({});

    expect(route53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input))
      .toEqual(cnames('DELETE').map((deletion) => ({ HostedZoneId: ZONE_ID, ChangeBatch: { Changes: [deletion] } })));
    expect(calls).toEqual([
      'describe',
      'DELETE _1a2b3c.cms.example.com.', 'DELETE _7a8b9c.2a57j78.cms.example.com.', 'DELETE cms.example.com',
      'disassociate',
    ]);
    expect(await handler.isComplete(deleteEvent)).toEqual({ IsComplete: true });
  });

  test('records already gone are skipped and the domain still disassociated', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'pending_certificate_dns_validation', RECORDS));
    appRunner.on(DisassociateCustomDomainCommand).resolves({});
    route53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({
      message: 'Tried to delete resource record set [name=\'cms.example.com.\', type=\'CNAME\'] but it was not found',
      $metadata: {},
    }));

    expect(await handler.onEvent(deleteEvent)).toEqual({});

    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(3);
    expect(appRunner.commandCalls(DisassociateCustomDomainCommand)).toHaveLength(1);
  });

  test('a domain no longer associated, or a service gone, needs nothing', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves({ DNSTarget: DNS_TARGET, ServiceArn: SERVICE_ARN, CustomDomains: [] });
    expect(await handler.onEvent(deleteEvent)).toEqual({});

    appRunner.on(DescribeCustomDomainsCommand).rejects(new ResourceNotFoundException({ message: 'No service found', $metadata: {} }));
    expect(await handler.onEvent(deleteEvent)).toEqual({});

    expect(appRunner.commandCalls(DisassociateCustomDomainCommand)).toHaveLength(0);
    expect(route53.calls()).toHaveLength(0);
  });

  test('a domain App Runner is already disassociating: its records deleted, no second disassociation', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'deleting', RECORDS));
    route53.on(ChangeResourceRecordSetsCommand).resolves({});

    expect(await handler.onEvent(deleteEvent)).toEqual({});

    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(3);
    expect(appRunner.commandCalls(DisassociateCustomDomainCommand)).toHaveLength(0);
  });

  test('a domain disassociated meanwhile (not found on disassociate) is fine', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'active', RECORDS));
    appRunner.on(DisassociateCustomDomainCommand).rejects(new ResourceNotFoundException({ message: 'Domain not found', $metadata: {} }));
    route53.on(ChangeResourceRecordSetsCommand).resolves({});

    expect(await handler.onEvent(deleteEvent)).toEqual({});
  });

  test('a create that failed before any association (the framework\'s own physical id) deletes nothing', async () => {
    expect(await handler.onEvent({ ...deleteEvent, PhysicalResourceId: '2026/11/28/[$LATEST]0123456789abcdef' })).toEqual({});
    expect(appRunner.calls()).toHaveLength(0);
    expect(route53.calls()).toHaveLength(0);
  });
});

describe('failures name the domain', () => {
  test('App Runner refusing the association fails the create', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves({ DNSTarget: DNS_TARGET, ServiceArn: SERVICE_ARN, CustomDomains: [] });
    appRunner.on(AssociateCustomDomainCommand).rejects(new InvalidRequestException({ message: 'Domain name is not valid', $metadata: {} }));

    await expect(handler.onEvent({ RequestType: 'Create', ResourceProperties: PROPERTIES }))
      .rejects.toThrow('Associating cms.example.com failed: InvalidRequestException: Domain name is not valid');
  });

  test('an association App Runner reports failed fails the wait', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'create_failed'));

    await expect(handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES }))
      .rejects.toThrow('Associating cms.example.com failed: App Runner reports status create_failed');
    expect(route53.calls()).toHaveLength(0);
  });

  test('Route 53 refusing the records fails the wait', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'pending_certificate_dns_validation', RECORDS));
    route53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message: 'RRSet of type CNAME with DNS name cms.example.com. is not permitted', $metadata: {} }));

    await expect(handler.isComplete({ RequestType: 'Create', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES }))
      .rejects.toThrow(/^Writing the DNS records of cms\.example\.com failed: InvalidChangeBatch: RRSet of type CNAME/);
  });

  test('a delete that Route 53 refuses for another reason fails, and leaves the association for a retry', async () => {
    appRunner.on(DescribeCustomDomainsCommand).resolves(described('cms.example.com', 'active', RECORDS));
    const denied = Object.assign(new Error('not authorized to perform route53:ChangeResourceRecordSets'), { name: 'AccessDenied' });
    route53.on(ChangeResourceRecordSetsCommand).rejects(denied);

    await expect(handler.onEvent({ RequestType: 'Delete', PhysicalResourceId: PHYSICAL_ID, ResourceProperties: PROPERTIES }))
      .rejects.toThrow('Disassociating cms.example.com failed: AccessDenied: not authorized');
    expect(appRunner.commandCalls(DisassociateCustomDomainCommand)).toHaveLength(0);
  });
});
