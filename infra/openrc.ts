/** The `openrc` file the stack writes, so `source openrc` sets up the openstack CLI for the admin user. */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  region: string;
}

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export async function writeOpenrc(file: string, c: Credentials): Promise<void> {
  const lines = [
    '# Written by `novaflow stack`: source this file to use the openstack CLI against Novaflow.',
    `export OS_AUTH_URL=${quote(c.authUrl)}`,
    'export OS_AUTH_TYPE=password',
    'export OS_IDENTITY_API_VERSION=3',
    `export OS_USERNAME=${quote(c.username)}`,
    `export OS_PASSWORD=${quote(c.password)}`,
    `export OS_PROJECT_NAME=${quote(c.projectName)}`,
    "export OS_USER_DOMAIN_NAME='Default'",
    "export OS_PROJECT_DOMAIN_NAME='Default'",
    `export OS_REGION_NAME=${quote(c.region)}`,
    "export OS_INTERFACE='public'",
    '',
  ];
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, lines.join('\n'), { mode: 0o600 });
}
