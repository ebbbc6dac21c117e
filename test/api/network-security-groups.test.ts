import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
let other: TestCredentials;
let admin: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'sg', role: 'member' });
  other = await tokenFor(api.db.pool, { project: 'sg-other', role: 'member' });
  admin = await tokenFor(api.db.pool, { project: 'admin', role: 'admin', user: 'admin' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, body?: unknown, token = member.token): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${api.url}/network/v2.0${path}`, {
    method,
    headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const ruleShape = (r: Json) => [r.direction, r.ethertype, r.protocol, r.remote_group_id === null ? null : 'self', r.remote_ip_prefix];

describe('the default security group', () => {
  it('is created once on first need, with Neutron default rules', async () => {
    const lists = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/security-groups')));
    const ids = new Set(lists.map((l) => l.body.security_groups.filter((g: Json) => g.name === 'default').map((g: Json) => g.id).join()));
    expect(ids.size).toBe(1);
    const group = lists[0]!.body.security_groups.find((g: Json) => g.name === 'default');
    expect(group).toMatchObject({ project_id: member.projectId, tenant_id: member.projectId, description: 'Default security group', stateful: true });
    expect(group.security_group_rules.map(ruleShape).sort()).toEqual(
      [
        ['egress', 'IPv4', null, null, null],
        ['egress', 'IPv6', null, null, null],
        ['ingress', 'IPv4', null, 'self', null],
        ['ingress', 'IPv6', null, 'self', null],
      ].sort(),
    );
    for (const rule of group.security_group_rules.filter((r: Json) => r.direction === 'ingress')) expect(rule.remote_group_id).toBe(group.id);
  });

  it('is what a new port gets, unless port security is off', async () => {
    const network = (await call('POST', '/networks', { network: { name: 'sgnet' } })).body.network;
    await call('POST', '/subnets', { subnet: { network_id: network.id, cidr: '10.60.0.0/24', ip_version: 4 } });
    const groups = await call('GET', '/security-groups?name=default');
    const port = await call('POST', '/ports', { port: { network_id: network.id } });
    expect(port.body.port.security_groups).toEqual([groups.body.security_groups[0].id]);
    const open = await call('POST', '/ports', { port: { network_id: network.id, port_security_enabled: false } });
    expect(open.body.port).toMatchObject({ security_groups: [], port_security_enabled: false });
    const conflict = await call('POST', '/ports', { port: { network_id: network.id, port_security_enabled: false, security_groups: [groups.body.security_groups[0].id] } });
    expect(conflict.status).toBe(400);
    expect(conflict.body.NeutronError.type).toBe('PortSecurityAndIPRequiredForSecurityGroups');
  });

  it('cannot be renamed, nor deleted by a member; another group cannot be named default', async () => {
    const group = (await call('GET', '/security-groups?name=default')).body.security_groups[0];
    const rename = await call('PUT', `/security-groups/${group.id}`, { security_group: { name: 'mine' } });
    expect(rename.status).toBe(409);
    const del = await call('DELETE', `/security-groups/${group.id}`);
    expect(del.status).toBe(409);
    expect(del.body.NeutronError).toEqual({ type: 'SecurityGroupCannotRemoveDefault', message: 'Insufficient rights for removing default security group.', detail: '' });
    const dup = await call('POST', '/security-groups', { security_group: { name: 'default' } });
    expect(dup.status).toBe(409);
    expect(dup.body.NeutronError.type).toBe('SecurityGroupDefaultAlreadyExists');
  });
});

describe('security groups and rules', () => {
  let groupId: string;
  beforeAll(async () => {
    const created = await call('POST', '/security-groups', { security_group: { name: 'web', description: 'web servers' } });
    expect(created.status).toBe(201);
    groupId = created.body.security_group.id;
    expect(created.body.security_group.security_group_rules.map(ruleShape).sort()).toEqual([
      ['egress', 'IPv4', null, null, null],
      ['egress', 'IPv6', null, null, null],
    ]);
  });

  it('adds a rule once and names the existing one on a duplicate', async () => {
    const body = { security_group_rule: { security_group_id: groupId, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' } };
    const rule = await call('POST', '/security-group-rules', body);
    expect(rule.status).toBe(201);
    expect(rule.body.security_group_rule).toMatchObject({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', security_group_id: groupId });
    const again = await call('POST', '/security-group-rules', body);
    expect(again.status).toBe(409);
    expect(again.body.NeutronError.message).toBe(`Security group rule already exists. Rule id is ${rule.body.security_group_rule.id}.`);
    const shown = await call('GET', `/security-groups/${groupId}`);
    expect(shown.body.security_group.security_group_rules).toHaveLength(3);
    expect((await call('DELETE', `/security-group-rules/${rule.body.security_group_rule.id}`)).status).toBe(204);
    expect((await call('GET', `/security-group-rules/${rule.body.security_group_rule.id}`)).status).toBe(404);
  });

  it.each([
    [{ direction: 'sideways' }, 'HTTPBadRequest'],
    [{ direction: 'ingress', port_range_min: 80, port_range_max: 80 }, 'SecurityGroupProtocolRequiredWithPorts'],
    [{ direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 }, 'SecurityGroupInvalidPortRange'],
    [{ direction: 'ingress', protocol: 'icmp', port_range_min: 300 }, 'SecurityGroupInvalidIcmpValue'],
    [{ direction: 'ingress', protocol: 'gre', port_range_min: 1, port_range_max: 2 }, 'SecurityGroupInvalidProtocolForPortRange'],
    [{ direction: 'ingress', protocol: 'bogus' }, 'SecurityGroupRuleInvalidProtocol'],
    [{ direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '::/0' }, 'SecurityGroupRuleParameterConflict'],
    [{ direction: 'ingress', ethertype: 'IPv4', protocol: 'ipv6-icmp' }, 'SecurityGroupEthertypeConflictWithProtocol'],
  ])('refuses rule %j', async (attrs, type) => {
    const res = await call('POST', '/security-group-rules', { security_group_rule: { security_group_id: groupId, ...attrs } });
    expect(res.status).toBe(400);
    expect(res.body.NeutronError.type).toBe(type);
  });

  it('is invisible to another project and refuses deletion while a port uses it', async () => {
    expect((await call('GET', `/security-groups/${groupId}`, undefined, other.token)).status).toBe(404);
    expect((await call('GET', '/security-groups', undefined, other.token)).body.security_groups.map((g: Json) => g.id)).not.toContain(groupId);
    const network = (await call('POST', '/networks', { network: { name: 'inuse' } })).body.network;
    const port = (await call('POST', '/ports', { port: { network_id: network.id, security_groups: [groupId] } })).body.port;
    expect(port.security_groups).toEqual([groupId]);
    const busy = await call('DELETE', `/security-groups/${groupId}`);
    expect(busy.status).toBe(409);
    expect(busy.body.NeutronError).toMatchObject({ type: 'SecurityGroupInUse', message: `Security Group ${groupId} in use.` });
    const otherGroup = (await call('GET', '/security-groups', undefined, other.token)).body.security_groups[0].id;
    const foreign = await call('PUT', `/ports/${port.id}`, { port: { security_groups: [otherGroup] } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.NeutronError.type).toBe('SecurityGroupNotFound');
    expect((await call('DELETE', `/ports/${port.id}`)).status).toBe(204);
    expect((await call('DELETE', `/security-groups/${groupId}`)).status).toBe(204);
  });

  it('lets the admin remove a default group nobody uses', async () => {
    const group = (await call('GET', '/security-groups?name=default', undefined, other.token)).body.security_groups[0];
    expect((await call('DELETE', `/security-groups/${group.id}`, undefined, admin.token)).status).toBe(204);
  });
});
