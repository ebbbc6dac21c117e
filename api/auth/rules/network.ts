/**
 * Neutron's default rules (project reader/member, admin) for the Network API subset. A rule with an attribute
 * (`create_network:shared`) is checked on top of its action's rule, and Neutron's 403 names both:
 * "(rule:create_network and rule:create_network:shared) is disallowed by policy".
 *
 * Targets always carry the owning project (`projectId`); resources on a network also carry the network's owner
 * (`networkProjectId`) and whether it is shared or external, since network owners manage ports on their networks
 * and shared networks are readable by everyone.
 */
import { checks, type Check, type ServicePolicy, type Target } from '../checks.ts';
import type { AuthContext } from '../context.ts';

export interface NetworkTarget extends Target {
  networkProjectId?: string;
  shared?: boolean;
  external?: boolean;
  deviceOwner?: string;
  /** For a security group rule: the project owning its group. */
  groupProjectId?: string;
}

type NetworkCheck = (auth: AuthContext, target: NetworkTarget) => boolean;
const rule = (check: NetworkCheck): Check => check;

const owner = {
  reader: (auth: AuthContext, t: NetworkTarget) => t.projectId !== undefined && checks.projectReaderOrAdmin(auth, { projectId: t.projectId }),
  member: (auth: AuthContext, t: NetworkTarget) => t.projectId !== undefined && checks.projectMemberOrAdmin(auth, { projectId: t.projectId }),
};
const networkOwner = {
  reader: (auth: AuthContext, t: NetworkTarget) =>
    t.networkProjectId !== undefined && checks.projectReaderOrAdmin(auth, { projectId: t.networkProjectId }),
  member: (auth: AuthContext, t: NetworkTarget) =>
    t.networkProjectId !== undefined && checks.projectMemberOrAdmin(auth, { projectId: t.networkProjectId }),
};

const admin = rule((auth) => auth.isAdmin);
const ownerMember = rule(owner.member);
const ownerReader = rule(owner.reader);
const networkOwnerMember = rule(networkOwner.member);
const ownerOrNetworkOwnerMember = rule((auth, t) => owner.member(auth, t) || networkOwner.member(auth, t));

export const networkPolicy: ServicePolicy = {
  refusal: (name) => {
    const base = name.split(':')[0]!;
    return base === name ? `rule:${name} is disallowed by policy` : `(rule:${base} and rule:${name}) is disallowed by policy`;
  },
  rules: {
    create_network: ownerMember,
    'create_network:shared': admin,
    'create_network:router:external': admin,
    get_network: rule((auth, t) => owner.reader(auth, t) || t.shared === true || t.external === true),
    update_network: ownerMember,
    'update_network:shared': admin,
    'update_network:router:external': admin,
    delete_network: ownerMember,

    create_subnet: networkOwnerMember,
    get_subnet: rule((auth, t) => owner.reader(auth, t) || t.shared === true),
    update_subnet: networkOwnerMember,
    delete_subnet: networkOwnerMember,

    create_port: ownerMember,
    'create_port:device_owner': rule((auth, t) => !t.deviceOwner?.startsWith('network:') || networkOwner.member(auth, t)),
    'create_port:mac_address': networkOwnerMember,
    'create_port:fixed_ips:ip_address': networkOwnerMember,
    'create_port:port_security_enabled': networkOwnerMember,
    'create_port:binding:host_id': admin,
    'create_port:binding:profile': admin,
    get_port: rule((auth, t) => owner.reader(auth, t) || networkOwner.reader(auth, t)),
    'get_port:binding:host_id': admin,
    'get_port:binding:vif_type': admin,
    'get_port:binding:vif_details': admin,
    'get_port:binding:profile': admin,
    update_port: ownerOrNetworkOwnerMember,
    'update_port:device_owner': rule((auth, t) => !t.deviceOwner?.startsWith('network:') || networkOwner.member(auth, t)),
    'update_port:mac_address': admin,
    'update_port:fixed_ips:ip_address': networkOwnerMember,
    'update_port:port_security_enabled': networkOwnerMember,
    'update_port:binding:host_id': admin,
    'update_port:binding:profile': admin,
    delete_port: ownerOrNetworkOwnerMember,

    create_security_group: ownerMember,
    get_security_group: ownerReader,
    update_security_group: ownerMember,
    delete_security_group: ownerMember,
    create_security_group_rule: ownerMember,
    get_security_group_rule: rule(
      (auth, t) => owner.reader(auth, t) || (t.groupProjectId !== undefined && checks.projectReaderOrAdmin(auth, { projectId: t.groupProjectId })),
    ),
    delete_security_group_rule: ownerMember,
  },
};
