import { describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../activities/services/identity/tokens.ts';
import { checks } from '../../api/auth/checks.ts';
import { contextFromToken, type AuthContext } from '../../api/auth/context.ts';
import { allowed, enforce } from '../../api/auth/policy.ts';
import { ApiError } from '../../api/faults.ts';

function caller(roles: string[], projectId = 'p1', userId = 'u1'): AuthContext {
  const info: TokenInfo = {
    auditId: 'a',
    methods: ['password'],
    issuedAt: new Date(),
    expiresAt: new Date(Date.now() + 3600_000),
    user: { id: userId, name: 'u', domain: { id: 'default', name: 'Default' } },
    project: { id: projectId, name: 'p', domain: { id: 'default', name: 'Default' } },
    roles: roles.map((name) => ({ id: name, name })),
  };
  return contextFromToken('token', info);
}

describe('policy checks', () => {
  const admin = caller(['admin', 'member', 'reader']);
  const member = caller(['member', 'reader']);
  const reader = caller(['reader']);

  it('lets an admin act on any project', () => {
    expect(checks.projectMemberOrAdmin(admin, { projectId: 'other' })).toBe(true);
    expect(checks.admin(admin)).toBe(true);
  });

  it('lets a member change, and a reader only read, their own project', () => {
    expect(checks.projectMemberOrAdmin(member, { projectId: 'p1' })).toBe(true);
    expect(checks.projectMemberOrAdmin(reader, { projectId: 'p1' })).toBe(false);
    expect(checks.projectReaderOrAdmin(reader, { projectId: 'p1' })).toBe(true);
  });

  it('keeps members out of other projects and admin-only rules', () => {
    expect(checks.projectMemberOrAdmin(member, { projectId: 'p2' })).toBe(false);
    expect(checks.projectReaderOrAdmin(member, { projectId: 'p2' })).toBe(false);
    expect(checks.admin(member)).toBe(false);
  });

  it('treats role names case-insensitively', () => {
    expect(caller(['Admin']).isAdmin).toBe(true);
  });
});

describe('enforcing rules', () => {
  it('answers 403 worded as the owning service does', () => {
    const member = caller(['member', 'reader']);
    try {
      enforce(member, 'identity:create_project');
      expect.unreachable('enforce should have refused');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(403);
      expect((err as ApiError).message).toBe('You are not authorized to perform the requested action: identity:create_project.');
    }
  });

  it('lets users read themselves but not others', () => {
    const member = caller(['member'], 'p1', 'me');
    expect(allowed(member, 'identity:get_user', { userId: 'me' })).toBe(true);
    expect(allowed(member, 'identity:get_user', { userId: 'someone-else' })).toBe(false);
  });

  it('fails loudly on a rule nobody defined, rather than allowing it', () => {
    expect(() => allowed(caller(['admin']), 'identity:no_such_rule')).toThrow(/no policy rule/);
  });
});
