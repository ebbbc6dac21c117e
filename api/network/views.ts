/** Neutron's JSON for each resource, from the data layer's rows. */
import type { Network } from '../../activities/services/network/networks.ts';
import { portStatus, type Port } from '../../activities/services/network/ports.ts';
import type { SecurityGroup, SecurityGroupRule } from '../../activities/services/network/security-groups.ts';
import type { Subnet } from '../../activities/services/network/subnets.ts';

/** Neutron's timestamps: ISO 8601 in UTC to the second. */
export const timestamp = (d: Date | string) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');

const standard = (r: { project_id: string; description: string; tags: string[]; revision_number: number; created_at: Date; updated_at: Date }) => ({
  tenant_id: r.project_id,
  project_id: r.project_id,
  description: r.description,
  tags: r.tags,
  revision_number: r.revision_number,
  created_at: timestamp(r.created_at),
  updated_at: timestamp(r.updated_at),
});

export function networkView(n: Network) {
  return {
    id: n.id,
    name: n.name,
    status: n.status,
    admin_state_up: n.admin_state_up,
    shared: n.shared,
    'router:external': n.external,
    subnets: n.subnets,
    mtu: n.mtu,
    port_security_enabled: n.port_security_enabled,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    ...standard(n),
  };
}

export function subnetView(s: Subnet) {
  return {
    id: s.id,
    name: s.name,
    network_id: s.network_id,
    ip_version: s.ip_version,
    cidr: s.cidr,
    gateway_ip: s.gateway_ip,
    allocation_pools: s.allocation_pools,
    enable_dhcp: s.enable_dhcp,
    dns_nameservers: s.dns_nameservers,
    host_routes: s.host_routes,
    ipv6_ra_mode: s.ipv6_ra_mode,
    ipv6_address_mode: s.ipv6_address_mode,
    subnetpool_id: null,
    segment_id: null,
    service_types: [],
    ...standard(s),
  };
}

/** `showBinding`: whether the caller may see the admin-only binding attributes. */
export function portView(p: Port, showBinding: boolean) {
  const bound = p.binding_host_id !== '';
  const binding = showBinding
    ? {
        'binding:host_id': p.binding_host_id,
        'binding:profile': p.binding_profile,
        'binding:vif_type': bound ? 'ovs' : 'unbound',
        'binding:vif_details': bound ? { port_filter: true, connectivity: 'l2' } : {},
      }
    : {};
  return {
    id: p.id,
    name: p.name,
    network_id: p.network_id,
    mac_address: p.mac_address,
    admin_state_up: p.admin_state_up,
    status: portStatus(p),
    device_id: p.device_id,
    device_owner: p.device_owner,
    fixed_ips: p.fixed_ips,
    security_groups: p.security_groups,
    port_security_enabled: p.port_security_enabled,
    'binding:vnic_type': p.binding_vnic_type,
    ...binding,
    ...standard(p),
  };
}

export function ruleView(r: SecurityGroupRule) {
  return {
    id: r.id,
    security_group_id: r.security_group_id,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.port_range_min,
    port_range_max: r.port_range_max,
    remote_ip_prefix: r.remote_ip_prefix,
    remote_group_id: r.remote_group_id,
    remote_address_group_id: null,
    normalized_cidr: r.remote_ip_prefix,
    belongs_to_default_sg: r.belongs_to_default_sg,
    ...standard({ ...r, tags: [] }),
  };
}

export function securityGroupView(g: SecurityGroup) {
  return {
    id: g.id,
    name: g.name,
    stateful: g.stateful,
    security_group_rules: g.rules.map(ruleView),
    ...standard(g),
  };
}

/** Everything one may filter a list on: the view's attributes. */
export const filterable = (...attributes: string[]) => new Set(attributes);

export const NETWORK_FILTERS = filterable(...Object.keys(networkView(sample<Network>({ subnets: [] }))));
export const SUBNET_FILTERS = filterable(...Object.keys(subnetView(sample<Subnet>({}))));
export const PORT_FILTERS = filterable(...Object.keys(portView(sample<Port>({ binding_host_id: '' }), true)), 'binding:host_id');
export const SECURITY_GROUP_FILTERS = filterable(...Object.keys(securityGroupView(sample<SecurityGroup>({ rules: [] }))));
export const RULE_FILTERS = filterable(...Object.keys(ruleView(sample<SecurityGroupRule>({}))));

/** A stand-in row with just enough for a view to list its attribute names. */
function sample<T>(fields: Partial<T>): T {
  return { created_at: new Date(0), updated_at: new Date(0), tags: [], ...fields } as T;
}
