import type { RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import type { GroupAssigned } from '../../outreach/index.js';
import type { CountryRegistered, StatusChanged } from '../../treaty-status/index.js';
import type { Provenance, StateHistory } from '../domain/history.js';

export const STATE_HISTORIES = 'state-histories';

const provenance = (e: RecordedEvent, source?: string): Provenance => ({
  eventId: e.id, type: e.type, actor: e.actor, ...(source ? { source } : {}), occurredAt: e.occurredAt, recordedAt: e.recordedAt,
});

/** Each state's full dated history, with both time axes, for as-of questions. */
export const stateHistoryProjection: Projection = {
  name: 'state-history',
  collections: [STATE_HISTORIES],
  handles: ['CountryRegistered', 'StatusChanged', 'GroupAssigned'],
  async apply(event: RecordedEvent, view: ProjectionView) {
    const e = event as RecordedEvent & (CountryRegistered | StatusChanged | GroupAssigned);
    await view.update<StateHistory>(STATE_HISTORIES, e.data.iso3, (doc) => {
      const current: StateHistory = doc ?? { iso3: e.data.iso3, name: '', region: '', subregion: '', registered: provenance(e), acts: {}, moves: [] };
      switch (e.type) {
        case 'CountryRegistered':
          return { ...current, ...e.data, registered: provenance(e) };
        case 'StatusChanged': {
          const { treaty, action, on, effectiveOn, entryIntoForceOn, source } = e.data;
          const act = { ...provenance(e, source), action, on, ...(effectiveOn ? { effectiveOn } : {}), ...(entryIntoForceOn ? { entryIntoForceOn } : {}) };
          return { ...current, acts: { ...current.acts, [treaty]: [...(current.acts[treaty] ?? []), act] } };
        }
        case 'GroupAssigned': {
          const { iso3: _iso3, ...move } = e.data;
          return { ...current, moves: [...current.moves, { ...provenance(e), ...move }] };
        }
      }
    });
  },
};
