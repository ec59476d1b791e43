import { DomainError } from '../../kernel/index.js';
import { checkTokenRequest, coordinatorMayWork, missionMayRecord, roleMay, type Principal } from './access.js';

const admin: Principal = { tokenId: 'admin-1', role: 'admin' };
const analyst: Principal = { tokenId: 'analyst-1', role: 'analyst' };
const coordinator: Principal = { tokenId: 'coordinator-1', role: 'coordinator', campaignIds: ['ccm-2026'] };
const mission: Principal = { tokenId: 'mission-1', role: 'mission', missionId: 'nor-nairobi' };
const NAIROBI = ['KEN', 'ETH', 'ERI'];

describe('roles', () => {
  it('lets an admin do anything and the listed roles what they are listed for', () => {
    expect(roleMay(admin, { kind: 'roles', roles: ['admin'] })).toEqual({ allowed: true });
    expect(roleMay(analyst, { kind: 'roles', roles: ['admin', 'analyst'] })).toEqual({ allowed: true });
    expect(roleMay(analyst, { kind: 'roles', roles: ['admin'] })).toEqual({ allowed: false, reason: 'the analyst role may not do this; it needs an admin token' });
    expect(roleMay(mission, { kind: 'roles', roles: ['admin', 'coordinator', 'analyst'] })).toMatchObject({ allowed: false, reason: expect.stringContaining('one of: admin, coordinator, analyst') });
  });

  it('leaves outreach to missions and follow-up work to coordinators', () => {
    expect(roleMay(mission, { kind: 'mission-outreach' }).allowed).toBe(true);
    expect(roleMay(coordinator, { kind: 'mission-outreach' }).allowed).toBe(false);
    expect(roleMay(coordinator, { kind: 'follow-up-work' }).allowed).toBe(true);
    expect(roleMay(analyst, { kind: 'follow-up-work' }).allowed).toBe(false);
  });
});

describe('a mission\'s scope', () => {
  it('records for itself in a country it is accredited to', () => {
    expect(missionMayRecord(mission, { missionId: 'nor-nairobi', iso3: 'ETH' }, NAIROBI)).toEqual({ allowed: true });
  });
  it('may not record for another mission', () => {
    expect(missionMayRecord(mission, { missionId: 'nzl-riyadh', iso3: 'ETH' }, NAIROBI)).toEqual({ allowed: false, reason: 'this token is for mission nor-nairobi; it may not record for mission nzl-riyadh' });
  });
  it('may not record for a country it is not accredited to', () => {
    expect(missionMayRecord(mission, { missionId: 'nor-nairobi', iso3: 'SAU' }, NAIROBI)).toEqual({ allowed: false, reason: 'mission nor-nairobi is not accredited to SAU' });
    expect(missionMayRecord(mission, { missionId: 'nor-nairobi', iso3: 'KEN' }, undefined).allowed).toBe(false);
  });
});

describe('a coordinator\'s scope', () => {
  it('works the follow-ups of its campaigns, not of others', () => {
    expect(coordinatorMayWork(coordinator, { id: 'f1', campaignId: 'ccm-2026' })).toEqual({ allowed: true });
    expect(coordinatorMayWork(coordinator, { id: 'f2', campaignId: 'other' })).toEqual({ allowed: false, reason: 'follow-up f2 belongs to campaign other; this token coordinates ccm-2026' });
  });
  it('leaves an unknown follow-up to the use case, which answers 404', () => {
    expect(coordinatorMayWork(coordinator, { id: 'nope' })).toEqual({ allowed: true });
  });
});

describe('issuing a token', () => {
  const now = new Date('2026-06-01T09:00:00Z');
  const refused = (request: Parameters<typeof checkTokenRequest>[0]) => {
    try {
      checkTokenRequest(request, now);
    } catch (error) {
      return { code: (error as DomainError).code, field: (error as DomainError).field };
    }
    return undefined;
  };
  it('needs the scope its role has, and no other', () => {
    expect(refused({ role: 'mission', missionId: 'nor-nairobi' })).toBeUndefined();
    expect(refused({ role: 'mission' })).toEqual({ code: 'mission-token-needs-mission', field: 'missionId' });
    expect(refused({ role: 'coordinator', campaignIds: [] })).toEqual({ code: 'coordinator-token-needs-campaigns', field: 'campaignIds' });
    expect(refused({ role: 'coordinator', campaignIds: ['a', 'a'] })).toEqual({ code: 'duplicate-campaign', field: 'campaignIds' });
    expect(refused({ role: 'analyst', campaignIds: ['a'] })).toEqual({ code: 'scope-not-for-role', field: 'campaignIds' });
    expect(refused({ role: 'admin', missionId: 'nor-nairobi' })).toEqual({ code: 'scope-not-for-role', field: 'missionId' });
  });
  it('expires in the future only', () => {
    expect(refused({ role: 'analyst', expiresAt: '2026-06-01T09:00:01Z' })).toBeUndefined();
    expect(refused({ role: 'analyst', expiresAt: '2026-06-01T09:00:00Z' })).toEqual({ code: 'expiry-in-the-past', field: 'expiresAt' });
  });
});
