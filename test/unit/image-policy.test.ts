/** Glance's default rules as Novaflow applies them: who may see, change, share and publish images. */
import { describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../activities/services/identity/tokens.ts';
import { contextFromToken, type AuthContext } from '../../api/auth/context.ts';
import { allowed, enforce } from '../../api/auth/policy.ts';
import type { ImageTarget } from '../../api/auth/rules/image.ts';

function caller(roles: string[], projectId = 'p1'): AuthContext {
  const info: TokenInfo = {
    auditId: 'a',
    methods: ['password'],
    issuedAt: new Date(),
    expiresAt: new Date(Date.now() + 3600_000),
    user: { id: 'u', name: 'u', domain: { id: 'default', name: 'Default' } },
    project: { id: projectId, name: 'p', domain: { id: 'default', name: 'Default' } },
    roles: roles.map((name) => ({ id: name, name })),
  };
  return contextFromToken('token', info);
}

const admin = caller(['admin', 'member', 'reader'], 'adm');
const member = caller(['member', 'reader']);
const reader = caller(['reader']);
const outsider = caller(['member', 'reader'], 'p2');
const image = (visibility: string, extra: Partial<ImageTarget> = {}): ImageTarget => ({ projectId: 'p1', visibility, ...extra });

describe('seeing images', () => {
  it('shows private images to their project and admins only', () => {
    expect(allowed(reader, 'image:get_image', image('private'))).toBe(true);
    expect(allowed(outsider, 'image:get_image', image('private'))).toBe(false);
    expect(allowed(admin, 'image:get_image', image('private'))).toBe(true);
  });

  it('shows public and community images to all, shared ones to members', () => {
    expect(allowed(outsider, 'image:get_image', image('public'))).toBe(true);
    expect(allowed(outsider, 'image:get_image', image('community'))).toBe(true);
    expect(allowed(outsider, 'image:get_image', image('shared'))).toBe(false);
    expect(allowed(outsider, 'image:get_image', image('shared', { member: true }))).toBe(true);
  });

  it('lets readers see but only members download', () => {
    expect(allowed(caller(['reader'], 'p2'), 'image:download_image', image('public'))).toBe(false);
    expect(allowed(outsider, 'image:download_image', image('public'))).toBe(true);
    expect(allowed(outsider, 'image:download_image', image('private'))).toBe(false);
  });
});

describe('changing images', () => {
  it('leaves changes to members of the owning project and admins', () => {
    for (const rule of ['image:modify_image', 'image:delete_image', 'image:upload_image', 'image:add_member']) {
      expect(allowed(member, rule, image('public')), rule).toBe(true);
      expect(allowed(reader, rule, image('public')), rule).toBe(false);
      expect(allowed(outsider, rule, image('public')), rule).toBe(false);
      expect(allowed(admin, rule, image('public')), rule).toBe(true);
    }
  });

  it('keeps publishing for admins and lets owners make images community', () => {
    expect(allowed(member, 'image:publicize_image', image('private'))).toBe(false);
    expect(allowed(admin, 'image:publicize_image', image('private'))).toBe(true);
    expect(allowed(member, 'image:communitize_image', image('private'))).toBe(true);
    expect(() => enforce(member, 'image:publicize_image', image('private'))).toThrow('You are not authorized to complete publicize_image action.');
  });

  it('lets only the member project answer for its membership', () => {
    expect(allowed(outsider, 'image:modify_member', image('shared', { memberId: 'p2' }))).toBe(true);
    expect(allowed(member, 'image:modify_member', image('shared', { memberId: 'p2' }))).toBe(false);
    expect(allowed(outsider, 'image:get_member', image('shared', { memberId: 'p3' }))).toBe(false);
    expect(allowed(member, 'image:get_member', image('shared', { memberId: 'p3' }))).toBe(true);
  });
});
