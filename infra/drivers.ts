/**
 * The hypervisor driver a compute worker runs, from the configuration: fake hosts (simulated, many per process)
 * or a libvirt host. A libvirt host fetches images from the image service over HTTP as the compute service user
 * (`novaflow-compute`, admin on project `service`, created at first start); it never touches the database.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeDriver } from '../activities/host/fake/driver.ts';
import type { HypervisorDriver } from '../activities/host/driver.ts';
import { LibvirtDriver } from '../activities/host/libvirt/driver.ts';
import { HttpImageFetcher } from '../activities/host/libvirt/image-fetcher.ts';
import { ConfigError, fakeHostOptions, publicUrl, type Config } from './config.ts';

export function fakeDriver(config: Config, host: string): FakeDriver {
  const fake = fakeHostOptions(config, host);
  return new FakeDriver(host, fake.capacity, fake.options);
}

/** The compute user's password: configured, or the one the first start wrote to the data directory. */
async function computePassword(config: Config): Promise<string> {
  if (config.computePassword) return config.computePassword;
  const file = path.join(config.dataDir, 'compute.password');
  const saved = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (!saved?.trim()) throw new ConfigError(`a libvirt host needs NOVAFLOW_COMPUTE_PASSWORD (or ${file} from the stack's first start)`);
  return saved.trim();
}

export async function libvirtDriver(config: Config, host: string): Promise<LibvirtDriver> {
  return new LibvirtDriver({
    host,
    uri: config.libvirtUri,
    instancesPath: config.instancesPath ?? path.join(config.dataDir, 'instances'),
    build: { domainType: config.libvirtDomainType },
    imageFetcher: new HttpImageFetcher({
      identityUrl: config.identityUrl ?? `${publicUrl(config)}/identity`,
      credentials: {
        username: config.computeUser,
        password: await computePassword(config),
        userDomainName: 'Default',
        projectName: 'service',
        projectDomainName: 'Default',
      },
    }),
  });
}

export async function driverFor(config: Config, host: string, name: string): Promise<HypervisorDriver> {
  if (name === 'fake') return fakeDriver(config, host);
  if (name === 'libvirt') return libvirtDriver(config, host);
  throw new ConfigError(`unknown driver ${JSON.stringify(name)}: use fake or libvirt`);
}
