import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * A VPC in two Availability Zones with isolated subnets only: no NAT gateway and no internet gateway, so an idle
 * stack pays nothing for networking. Rejected traffic is logged.
 */
export function createIsolatedVpc(scope: Construct, logRetention: logs.RetentionDays): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const flowLogGroup = new logs.LogGroup(scope, 'VpcFlowLogs', { retention: logRetention });
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
    trafficType: ec2.FlowLogTrafficType.REJECT,
  });
  return vpc;
}

/** The VPC's private subnets the service and the database use: isolated ones where the VPC has them. */
export function defaultSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  const subnetType = vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS;
  return { subnetType };
}

/** Routes S3 traffic of the chosen subnets through a gateway endpoint (free), so media uploads never hang. */
export function addS3GatewayEndpoint(scope: Construct, vpc: ec2.IVpc, subnets: ec2.SubnetSelection): ec2.GatewayVpcEndpoint {
  return new ec2.GatewayVpcEndpoint(scope, 'S3Endpoint', {
    vpc,
    service: ec2.GatewayVpcEndpointAwsService.S3,
    subnets: [subnets],
  });
}
