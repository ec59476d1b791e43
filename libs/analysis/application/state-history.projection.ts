import type { RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import type { GroupAssigned } from '../../outreach/index.js';
import type { CountryRegistered, StatusChanged, TreatyDeclarationRecorded } from '../../treaty-status/index.js';
import type { GroupMove, Provenance, RecordedAct, RecordedDeclaration, StateHistory } from '../domain/history.js';

export const STATE_HISTORIES = 'state-histories';

const provenance = (e: RecordedEvent, source?: string): Provenance => ({
  eventId: e.id, type: e.type, actor: e.actor, ...(source ? { source } : {}), occurredAt: e.occurredAt, recordedAt: e.recordedAt,
});

/** Each state's full dated history, with both time axes, for as-of questions. */
export const stateHistoryProjection: Projection = {
  name: 'state-history',
  collections: [STATE_HISTORIES],
  handles: ['CountryRegistered', 'StatusChanged', 'TreatyDeclarationRecorded', 'GroupAssigned'],
  async apply(event: RecordedEvent, view: ProjectionView) {
    const e = event as RecordedEvent & (CountryRegistered | StatusChanged | TreatyDeclarationRecorded | GroupAssigned);
    await view.update<StateHistory>(STATE_HISTORIES, e.data.iso3, (doc) => {
      const current: StateHistory = doc ?? { iso3: e.data.iso3, name: '', region: '', subregion: '', registered: provenance(e), acts: {}, moves: [] };
      switch (e.type) {
        case 'CountryRegistered':
          return { ...current, ...e.data, registered: provenance(e) };
        case 'StatusChanged': {
          const { treaty, action, on, effectiveOn, entryIntoForceOn, effectSuspended, source } = e.data;
          const act = {
            ...provenance(e, source), action, on,
            ...(effectiveOn ? { effectiveOn } : {}), ...(entryIntoForceOn ? { entryIntoForceOn } : {}), ...(effectSuspended ? { effectSuspended } : {}),
          };
          // Appended in place, on the batch's own copy (see `ProjectionView.update`): the lists
          // grow with the history, and copying them once per event would make a rebuild quadratic.
          const acts = current.acts as Record<string, RecordedAct[]>;
          (acts[treaty] ??= []).push(act);
          return current;
        }
        case 'TreatyDeclarationRecorded': {
          const { treaty, declaration, on, source } = e.data;
          const declarations = ((current as { declarations?: Record<string, RecordedDeclaration[]> }).declarations ??= {});
          (declarations[treaty] ??= []).push({ ...provenance(e, source), declaration, on });
          return current;
        }
        case 'GroupAssigned': {
          const { iso3: _iso3, ...move } = e.data;
          (current.moves as GroupMove[]).push({ ...provenance(e), ...move });
          return current;
        }
      }
    });
  },
};
