import { READ_MODEL_PROJECTIONS } from '../runtime/projection-catalog.js';

/** What `demarche help` prints, and every usage error after its message. */
export const USAGE = `Usage: demarche <command> [options]

Commands:
  import-states FILE [--treaty CCM|ATT|APMBC] [--withdrawals FILE] [--since FILE] [--declarations FILE]
      Load the states reference list and every signature, deposit and withdrawal in FILE
      as dated events. --since names a file (iso3,since) of states that came into being,
      or could first join, after the treaty opened. Safe to run again: what is already
      recorded is not added twice. A bad row stops the import with its line number;
      nothing is written then.

  import-missions FILE
      Register the missions of a spreadsheet (columns id, name, kind, coordinator,
      accredited_to: ISO codes separated by spaces or semicolons). Every row is checked
      before any is written; a bad row stops the import with its line number. Run again,
      it adds nothing.

  import-outreach FILE [--campaign ID] [--dry-run]
      Record the letters, meetings and responses of a spreadsheet (columns kind, country,
      date; and campaign, mission, group, ratification_under_way, wishes_to_sign,
      deposit_announced, obstacles, cosigned_by, summary, notes, interlocutors; see
      README). --campaign names the campaign of rows that leave it empty; --dry-run says
      what each row would record and writes nothing.

  report [--treaty CCM] [--as-of DATE] [--since DATE] [--campaign ID] [--format markdown|json] [--out FILE]
      The universalization report: totals on a day, who joined since the last meeting,
      signatories by region, response groups, obstacles, regional initiatives, follow-ups,
      and what each campaign of the treaty did (or only the one --campaign names).
      Markdown by default, to standard output unless --out names a file.

  export [--out FILE] [--type T[,T]] [--country ISO3] [--campaign ID]
      The whole history (or the filtered part) as NDJSON, one event a line, with a
      progress bar on standard error. To standard output unless --out names a file.

  rebuild PROJECTION [--swap] [--batch-size N]
      Replay the whole history into a new version of a read model while the current one
      keeps serving, and show how they differ; --swap then makes the new version the one
      that serves. An interrupted rebuild resumes where it stopped when run again.
      Projections: ${READ_MODEL_PROJECTIONS.map((p) => p.name).join(', ')}.

  migrate-log
      Upgrade an event log that an earlier release wrote on the distributed profile (fence
      the positions it took but never filled) and say what was done; stop every api and
      worker of the earlier release first. Run again, it finds nothing to do. A process of
      this release that finds such a log at start upgrades it by itself.

  what-if --playbook FILE [--treaty CODE] [--campaign ID] [--format markdown|json]
      Replay the recorded history in a sandbox, in the order things happened, under the
      campaign's playbook and under FILE, and report how the follow-ups would have
      differed. Live data is not touched.

Every command needs a token (--token TOKEN, or better the environment variable DEMARCHE_TOKEN,
which does not show in the process list): import-states, rebuild and migrate-log an admin
token; import-missions an admin or coordinator token, import-outreach an admin token or a
coordinator token of the campaign; report, export and what-if an analyst or admin token. A
refused token exits with status 3.

Environment: DEMARCHE_DATA_DIR (default ./data) names the data directory; DEMARCHE_TOKEN the token.`;
