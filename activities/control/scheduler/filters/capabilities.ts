import type { HostFilter, HostState } from '../types.ts';

/**
 * ComputeCapabilitiesFilter: flavor extra specs scoped `capabilities:` (or unscoped legacy keys naming a host
 * attribute) must match the host. Values may use Nova's operators: `s== x`, `<in> x`, `>= n`, `<= n`, `== n`.
 */
const ATTRIBUTES: Record<string, (h: HostState) => string | number> = {
  hypervisor_type: (h) => h.hypervisorType,
  hypervisor_version: (h) => h.hypervisorVersion,
  hypervisor_hostname: (h) => h.node,
  vcpus: (h) => h.vcpus,
  memory_mb: (h) => h.memoryMb,
};

export function matchesSpec(actual: string | number, wanted: string): boolean {
  const [op, ...rest] = wanted.trim().split(/\s+/);
  const operand = rest.join(' ');
  const num = Number(operand);
  switch (op) {
    case 's==': return String(actual) === operand;
    case 's!=': return String(actual) !== operand;
    case '<in>': return String(actual).includes(operand);
    case '==': return Number(actual) === num;
    case '>=': return Number(actual) >= num;
    case '<=': return Number(actual) <= num;
    case '!=': return Number(actual) !== num;
    case '<or>': return wanted.split('<or>').map((s) => s.trim()).filter(Boolean).includes(String(actual));
    default: return String(actual) === wanted.trim();
  }
}

export const capabilitiesFilter: HostFilter = {
  name: 'ComputeCapabilitiesFilter',
  passes: (host, spec) =>
    Object.entries(spec.flavorExtraSpecs).every(([key, wanted]) => {
      const scoped = key.startsWith('capabilities:') ? key.slice('capabilities:'.length) : key.includes(':') ? undefined : key;
      if (scoped === undefined) return true; // another filter's scope
      const read = ATTRIBUTES[scoped];
      return read === undefined ? true : matchesSpec(read(host), wanted);
    }),
};
