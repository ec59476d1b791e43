import { READ_MODEL_PROJECTIONS } from '../../apps/runtime/projection-catalog.js';
import { demarcheEventRegistry } from '../../apps/runtime/event-types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Iso3, LocalDate } from '../../libs/kernel/index.js';
import { Engine } from '../../libs/follow-ups/infrastructure/engine.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import { parsePlaybook, type FollowUpView, FOLLOW_UPS, type Playbook, type PolledTimers } from '../../libs/follow-ups/index.js';
import { campaignDecider, campaignStreamId, countryOutreachDecider, missionDecider, missionStreamId, outreachStreamId, type Campaign, type Mission, type RecordResponse } from '../../libs/outreach/index.js';
import { countryStreamId, treatyStatusDecider, treatyStatusStreamId, type TreatyAction, type TreatyDefinition } from '../../libs/treaty-status/index.js';
import { withoutBookkeeping } from '../../libs/projections/index.js';

export const CCM: TreatyDefinition = JSON.parse(readFileSync(join(projectRoot(), 'reference/treaties/ccm.json'), 'utf8'));
export const CCM_PLAYBOOK: Playbook = parsePlaybook(JSON.parse(readFileSync(join(projectRoot(), 'reference/playbooks/ccm.json'), 'utf8')));

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private instant: Date) {}
  now(): Date {
    return new Date(this.instant);
  }
  set(date: LocalDate): void {
    this.instant = new Date(`${date}T09:00:00Z`);
  }
}

const meta = { actor: 'test', correlationId: 'test', causationId: 'test' };

/**
 * A campaign driven through the real deciders, playbook and projections on in-memory
 * stores: the given/when/then of the follow-up tests.
 */
export class Scenario {
  readonly clock = new ManualClock(new Date('2026-01-01T09:00:00Z'));
  readonly engine: Engine;
  private campaign?: Campaign;
  private mission?: Mission;

  constructor(
    playbook: Playbook = CCM_PLAYBOOK,
    private readonly treaty: TreatyDefinition = CCM,
    timers?: PolledTimers,
  ) {
    this.engine = new Engine({ clock: this.clock, timers, rules: { playbookFor: (t) => (t === playbook.treaty ? playbook : undefined), treatyFor: (code) => (code === treaty.code ? treaty : undefined) }, registry: demarcheEventRegistry(), projections: READ_MODEL_PROJECTIONS });
  }

  today(): LocalDate {
    return this.clock.now().toISOString().slice(0, 10);
  }

  async country(iso3: Iso3, subregion: string, region = 'Africa'): Promise<this> {
    const decider = {
      decide: (c: { iso3: string }, s: unknown) => (s ? [] : [{ type: 'CountryRegistered' as const, occurredAt: '1945-10-24', data: { iso3: c.iso3, name: c.iso3, region, subregion } }]),
      evolve: (_s: unknown, e: { data: unknown }) => e.data,
      initialState: () => undefined as unknown,
    };
    await this.engine.runner.run(countryStreamId(iso3), decider, { iso3 }, meta);
    return this;
  }

  async launch(accreditedTo: Iso3[], startsOn: LocalDate = '2026-01-10'): Promise<this> {
    const launched = await this.engine.runner.run(campaignStreamId('c1'), campaignDecider, { campaignId: 'c1', treaty: 'CCM', title: 'Test', coordinators: ['NOR'], startsOn, treatyOpenedOn: this.treaty.openedForSignatureOn }, meta);
    this.campaign = (launched.events[0]!.data as Campaign);
    const registered = await this.engine.runner.run(missionStreamId('m1'), missionDecider, { missionId: 'm1', name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo, today: this.today() }, meta);
    this.mission = registered.events[0]!.data as Mission;
    return this;
  }

  async letter(iso3: Iso3, deliveredOn: LocalDate) {
    return this.outreach(iso3, { kind: 'deliver-letter', deliveredOn });
  }

  async response(iso3: Iso3, receivedOn: LocalDate, response: Omit<RecordResponse, 'campaign' | 'mission' | 'iso3' | 'today' | 'kind' | 'receivedOn'>) {
    return this.outreach(iso3, { kind: 'record-response', receivedOn, ...response });
  }

  async treatyAction(iso3: Iso3, action: TreatyAction, on: LocalDate) {
    await this.reach(on);
    return this.engine.runner.run(treatyStatusStreamId('CCM', iso3), treatyStatusDecider, { treaty: this.treaty, iso3, action, on, today: this.today() }, meta);
  }

  /** Facts are posted once they happened: the world first moves to their date. */
  private async reach(date: LocalDate): Promise<void> {
    if (date > this.today()) await this.on(date);
  }

  private async outreach(iso3: Iso3, details: { kind: string; deliveredOn?: LocalDate; receivedOn?: LocalDate }) {
    await this.reach((details.deliveredOn ?? details.receivedOn)!);
    const command = { ...details, campaign: this.campaign!, mission: this.mission!, iso3, today: this.today() } as Parameters<typeof countryOutreachDecider.decide>[0];
    return this.engine.runner.run(outreachStreamId('c1', iso3), countryOutreachDecider, command, meta);
  }

  /** Moves the clock (timers due by then fire) and lets everything catch up. */
  async on(date: LocalDate): Promise<this> {
    this.clock.set(date);
    await this.engine.settle();
    return this;
  }

  async followUps(filter: Partial<Pick<FollowUpView, 'state' | 'kind'>> = {}): Promise<FollowUpView[]> {
    const all = await this.engine.readModels.find<FollowUpView>(FOLLOW_UPS, filter as Record<string, string>);
    return all.map((d) => withoutBookkeeping(d));
  }
}
