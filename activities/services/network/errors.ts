/**
 * Neutron's error classes with their status codes and wordings. Each is an `ApiError` whose `type` is Neutron's
 * exception name, so the API answers `{"NeutronError": {"type", "message", "detail"}}` and callers of the data
 * layer (compute activities) can tell the cases apart by `type`.
 */
import { ApiError } from '../../../api/faults.ts';

export const neutronError = (status: number, type: string, message: string) => new ApiError(status, message, {}, undefined, type);

export const networkNotFound = (id: string) => neutronError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string) => neutronError(404, 'SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string) => neutronError(404, 'PortNotFound', `Port ${id} could not be found.`);
export const securityGroupNotFound = (id: string) =>
  neutronError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
export const securityGroupRuleNotFound = (id: string) =>
  neutronError(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);

/** A 400 for a malformed attribute: "Invalid input for cidr. Reason: ...". */
export const invalidAttribute = (attribute: string, reason: string) =>
  neutronError(400, 'HTTPBadRequest', `Invalid input for ${attribute}. Reason: ${reason}.`);

/** A 400 for a request that is well formed but not acceptable. */
export const invalidInput = (message: string) => neutronError(400, 'InvalidInput', `Invalid input for operation: ${message}.`);

export const badRequest = (message: string) => neutronError(400, 'HTTPBadRequest', message);

export const networkInUse = (id: string) =>
  neutronError(409, 'NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
export const subnetInUse = (id: string) =>
  neutronError(409, 'SubnetInUse', `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
export const ipGenerationFailure = (networkId: string) =>
  neutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
export const ipAlreadyAllocated = (ip: string, subnetId: string) =>
  neutronError(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const invalidIpForSubnet = (ip: string) =>
  neutronError(400, 'InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
export const invalidIpForNetwork = (ip: string) =>
  neutronError(400, 'InvalidIpForNetwork', `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`);
export const macInUse = (networkId: string, mac: string) =>
  neutronError(409, 'MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);
export const securityGroupInUse = (id: string) => neutronError(409, 'SecurityGroupInUse', `Security Group ${id} in use.`);
export const cannotRemoveDefault = () =>
  neutronError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
export const defaultGroupExists = () => neutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
export const ruleExists = (id: string) =>
  neutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${id}.`);
