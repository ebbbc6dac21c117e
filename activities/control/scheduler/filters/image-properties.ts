import type { HostFilter } from '../types.ts';

/** ImagePropertiesFilter: an image asking for a hypervisor type (`img_hv_type` / `hypervisor_type`) gets one. */
export const imagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  passes: (host, spec) => {
    const wanted = spec.imageProperties.img_hv_type ?? spec.imageProperties.hypervisor_type;
    if (wanted === undefined) return true;
    const type = host.hypervisorType.toLowerCase();
    const ask = wanted.toLowerCase();
    return type === ask || (ask === 'kvm' && type === 'qemu') || (ask === 'qemu' && type === 'kvm');
  },
};
