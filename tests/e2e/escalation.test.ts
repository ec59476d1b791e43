import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';
import { mailServer, mailsTo } from '../support/mailbox.js';

/**
 * A playbook whose bilateral approaches escalate to the high-level queue 30 days after they
 * fell due, telling the campaign's coordinators. The app's clock starts long after that day,
 * so the escalation timer is due at once: no waiting on real time.
 */
describe('escalation as playbook data', () => {
  let app: RunningApp;
  let referenceDir: string;
  const previous = process.env.DEMARCHE_REFERENCE_DIR;
  const email = `escalations-${randomUUID().slice(0, 8)}@example.org`;

  beforeAll(async () => {
    mailServer('start');
    referenceDir = mkdtempSync(join(tmpdir(), 'demarche-reference-'));
    cpSync(join(projectRoot(), 'reference'), referenceDir, { recursive: true });
    const file = join(referenceDir, 'playbooks/ccm.json');
    const playbook = JSON.parse(readFileSync(file, 'utf8'));
    const rule = playbook.rules.find((r: { kind: string }) => r.kind === 'bilateral-approach');
    Object.assign(rule, { escalate: { afterDaysOverdue: 30, to: 'high-level' }, notify: 'coordinators' });
    writeFileSync(file, JSON.stringify(playbook));
    process.env.DEMARCHE_REFERENCE_DIR = referenceDir;
    app = await startTestApp({ now: '2026-03-10T09:00:00Z' });
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.DEMARCHE_REFERENCE_DIR;
    else process.env.DEMARCHE_REFERENCE_DIR = previous;
    await app.destroy();
    rmSync(referenceDir, { recursive: true, force: true });
  });

  it('moves a task still open 30 days after its due date to the high-level queue, saying why, and mails the coordinators', async () => {
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2025', treaty: 'CCM', title: 'CCM demarche 2025', coordinators: ['NOR'], startsOn: '2025-06-01' }).expect(201);
    const coordinator = (await app.http().post('/v1/tokens').send({ role: 'coordinator', campaignIds: ['ccm-2025'] }).expect(201)).body;
    await app.as(coordinator.token).put('/v1/me/notifications').send({ name: 'Nora Coordinator', email, digest: 'off' }).expect(200);
    // Due 90 days after 2025-10-01, on 2025-12-30; escalated 30 days later, on 2026-01-29.
    await app.http().post('/v1/countries/ETH/responses').send({ campaignId: 'ccm-2025', missionId: 'nor-nairobi', receivedOn: '2025-10-01', group: 'II', obstacles: ['capacity'] }).expect(201);
    // Due on 2026-05-28: not overdue, stays where it is.
    await app.http().post('/v1/countries/KEN/responses').send({ campaignId: 'ccm-2025', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.settle();
    const tasks = (await app.http().get('/v1/follow-ups?campaignId=ccm-2025').expect(200)).body.items as { id: string; countries: string[]; queue: string; dueOn: string }[];
    const eth = tasks.find((t) => t.countries.includes('ETH'))!;
    const ken = tasks.find((t) => t.countries.includes('KEN'))!;
    expect(eth).toMatchObject({ queue: 'high-level', dueOn: '2025-12-30' });
    expect(ken).toMatchObject({ queue: 'bilateral', dueOn: '2026-05-28' });
    expect((await app.http().get('/v1/follow-ups?campaignId=ccm-2025&queue=high-level').expect(200)).body.items.map((t: { id: string }) => t.id)).toEqual([eth.id]);

    const history = (await app.http().get(`/v1/events?stream=follow-up-${eth.id}`).expect(200)).body.items as { type: string; occurredAt: string; data: Record<string, unknown> }[];
    const escalated = history.find((e) => e.type === 'FollowUpEscalated')!;
    expect(escalated.occurredAt.slice(0, 10)).toBe('2026-01-29');
    expect(escalated.data).toMatchObject({ from: 'bilateral', to: 'high-level', notify: 'coordinators' });
    expect(escalated.data.reason).toMatch(/still open 30 days after it fell due on 2025-12-30/);

    const [mail] = await eventually(async () => {
      const found = await mailsTo(email);
      return found.length ? found : undefined;
    }, 'the escalation mail to the coordinator');
    expect(mail!.Subject).toBe(`Demarche: bilateral-approach for ETH escalated to high-level`);
  });

  it('refuses a playbook whose escalation names an unknown queue, saying where', async () => {
    const { parsePlaybook } = await import('../../libs/follow-ups/index.js');
    expect(() => parsePlaybook({ id: 'x', treaty: 'CCM', rules: [{ kind: 'a', queue: 'bilateral', when: { group: 'III' }, dueInDays: 1, escalate: { afterDaysOverdue: 3, to: 'postal' } }] })).toThrow(
      /rules\[0\]\.escalate\.to must be one of bilateral, regional, high-level/,
    );
  });
});
