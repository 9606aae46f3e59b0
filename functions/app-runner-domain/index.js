'use strict';
/**
 * Custom resource handlers (aws-cdk-lib's Provider framework) that associate a custom domain with an App Runner
 * service and write its DNS records in a Route 53 zone; CloudFormation has no resource for either.
 *
 * Resource properties: ServiceArn, DomainName, HostedZoneId. The physical id is `${ServiceArn}|${DomainName}`, so a
 * new domain or service is a new resource: CloudFormation creates the new association, then deletes the old one.
 *
 * - onEvent, Create/Update: AssociateCustomDomain (no www subdomain), unless the domain is already associated.
 * - isComplete: waits until App Runner lists the certificate validation records, then UPSERTs them and the domain's
 *   CNAME to the service's DNS target in one change batch. The certificate then validates on its own, which can
 *   take a while; the deployment does not wait for it. The domain's status is returned as the `Status` attribute.
 * - onEvent, Delete: DELETEs those records (one gone or changed since is left alone), then
 *   DisassociateCustomDomain (a domain no longer associated is fine).
 *
 * Only domain names, statuses and ids are logged. The AWS SDK v3 comes with the Node.js Lambda runtime.
 */
const {
  AppRunnerClient,
  AssociateCustomDomainCommand,
  DescribeCustomDomainsCommand,
  DisassociateCustomDomainCommand,
} = require('@aws-sdk/client-apprunner');
const { ChangeResourceRecordSetsCommand, Route53Client } = require('@aws-sdk/client-route-53');

/** TTL of the records written; a DELETE must name the same one. */
const RECORD_TTL = 300;
/** Separates the service ARN from the domain in the physical id (neither can contain it). */
const SEPARATOR = '|';

const appRunner = new AppRunnerClient({});
const route53 = new Route53Client({});

/** Logs one line of JSON: what happened to which domain, never anything else. */
function log(fields) {
  console.log(JSON.stringify(fields));
}

/** An error whose message names the domain and the step that failed, keeping the AWS error's name and text. */
function failure(step, domainName, error) {
  return new Error(`${step} ${domainName} failed: ${error.name}: ${error.message}`);
}

/** The resource's service ARN and domain, from its physical id; undefined when the create failed before any. */
function parsePhysicalId(physicalId) {
  const at = (physicalId || '').lastIndexOf(SEPARATOR);
  return at < 0 ? undefined : { serviceArn: physicalId.slice(0, at), domainName: physicalId.slice(at + 1) };
}

/**
 * The domain as App Runner describes it and the service's DNS target; the domain is undefined when it is not
 * associated. Names are compared without regard to case; statuses, which the API has sent in either case, are
 * lower-cased here.
 */
async function describeDomain(serviceArn, domainName) {
  const wanted = domainName.toLowerCase();
  let nextToken;
  let dnsTarget;
  do {
    const page = await appRunner.send(new DescribeCustomDomainsCommand({ ServiceArn: serviceArn, NextToken: nextToken }));
    dnsTarget = page.DNSTarget;
    const domain = (page.CustomDomains || []).find((d) => (d.DomainName || '').toLowerCase() === wanted);
    if (domain) {
      return { domain: { ...domain, Status: (domain.Status || '').toLowerCase() }, dnsTarget };
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { domain: undefined, dnsTarget };
}

/** The CNAME records of the domain: its certificate validation records (once each) and the domain to the service. */
function recordsOf(domain, dnsTarget) {
  const records = new Map();
  for (const record of domain.CertificateValidationRecords || []) {
    records.set(record.Name, { Name: record.Name, Value: record.Value });
  }
  records.set(domain.DomainName, { Name: domain.DomainName, Value: dnsTarget });
  return [...records.values()];
}

/** One Route 53 change of a CNAME record. */
function change(action, record) {
  return {
    Action: action,
    ResourceRecordSet: { Name: record.Name, Type: 'CNAME', TTL: RECORD_TTL, ResourceRecords: [{ Value: record.Value }] },
  };
}

/**
 * Whether Route 53 refused a DELETE of one record because the record is not there any more, or no longer holds what
 * the construct wrote (someone pointed it elsewhere: theirs to keep).
 */
function isRecordGoneOrChanged(error) {
  return error.name === 'InvalidChangeBatch';
}

/** Create and Update: associates the domain, unless it already is (a retry, or a rollback to this domain). */
async function associate(event) {
  const { ServiceArn: serviceArn, DomainName: domainName } = event.ResourceProperties;
  const physicalId = `${serviceArn}${SEPARATOR}${domainName}`;
  try {
    const { domain } = await describeDomain(serviceArn, domainName);
    if (domain) {
      log({ action: 'already-associated', domainName, status: domain.Status, serviceArn });
    } else {
      await appRunner.send(new AssociateCustomDomainCommand({ ServiceArn: serviceArn, DomainName: domainName, EnableWWWSubdomain: false }));
      log({ action: 'associated', domainName, serviceArn });
    }
  } catch (error) {
    throw failure('Associating', domainName, error);
  }
  return { PhysicalResourceId: physicalId };
}

/** Delete: removes the domain's records from the zone, then the association; whatever is already gone is skipped. */
async function disassociate(event) {
  const resource = parsePhysicalId(event.PhysicalResourceId);
  if (!resource) {
    log({ action: 'nothing-to-delete', physicalId: event.PhysicalResourceId });
    return {};
  }
  const { serviceArn, domainName } = resource;
  try {
    const { domain, dnsTarget } = await describeDomain(serviceArn, domainName);
    if (!domain) {
      log({ action: 'not-associated', domainName, serviceArn });
      return {};
    }
    for (const record of recordsOf(domain, dnsTarget)) {
      await deleteRecord(event.ResourceProperties.HostedZoneId, record);
    }
    if (domain.Status === 'deleting') {
      log({ action: 'already-disassociating', domainName, serviceArn });
      return {};
    }
    await appRunner.send(new DisassociateCustomDomainCommand({ ServiceArn: serviceArn, DomainName: domainName }));
    log({ action: 'disassociated', domainName, serviceArn });
  } catch (error) {
    if (error.name === 'ResourceNotFoundException') {
      log({ action: 'not-associated', domainName, serviceArn });
      return {};
    }
    throw failure('Disassociating', domainName, error);
  }
  return {};
}

/** Deletes one record, alone, so that a record already gone (or changed) does not keep the others. */
async function deleteRecord(hostedZoneId, record) {
  try {
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: { Changes: [change('DELETE', record)] },
    }));
    log({ action: 'record-deleted', name: record.Name, hostedZoneId });
  } catch (error) {
    if (!isRecordGoneOrChanged(error)) {
      throw error;
    }
    log({ action: 'record-gone-or-changed', name: record.Name, hostedZoneId });
  }
}

/** The Provider framework's onEvent handler. */
exports.onEvent = async (event) => {
  log({ action: 'event', requestType: event.RequestType, domainName: event.ResourceProperties.DomainName });
  return event.RequestType === 'Delete' ? disassociate(event) : associate(event);
};

/**
 * The Provider framework's isComplete handler: not complete until App Runner lists the validation records; then
 * writes them and the domain's CNAME, and is complete whatever the certificate's status (it validates later).
 */
exports.isComplete = async (event) => {
  if (event.RequestType === 'Delete') {
    return { IsComplete: true };
  }
  const { ServiceArn: serviceArn, DomainName: domainName, HostedZoneId: hostedZoneId } = event.ResourceProperties;
  let described;
  try {
    described = await describeDomain(serviceArn, domainName);
  } catch (error) {
    throw failure('Describing', domainName, error);
  }
  const { domain, dnsTarget } = described;
  if (!domain) {
    throw new Error(`Describing ${domainName} failed: it is not associated with ${serviceArn} any more`);
  }
  if (domain.Status.endsWith('failed')) {
    throw new Error(`Associating ${domainName} failed: App Runner reports status ${domain.Status}`);
  }
  if (!(domain.CertificateValidationRecords || []).length || !dnsTarget) {
    log({ action: 'waiting-for-validation-records', domainName, status: domain.Status });
    return { IsComplete: false };
  }
  try {
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: {
        Comment: `App Runner custom domain ${domainName}`,
        Changes: recordsOf(domain, dnsTarget).map((record) => change('UPSERT', record)),
      },
    }));
  } catch (error) {
    throw failure('Writing the DNS records of', domainName, error);
  }
  log({ action: 'records-written', domainName, status: domain.Status, hostedZoneId });
  return { IsComplete: true, Data: { Status: domain.Status } };
};
