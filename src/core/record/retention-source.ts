import type { OpenVault } from '../meetings/index.js';
import type { RetentionRule, RetentionSource } from '../retention/index.js';
import { MinutesRecord } from './approval.js';
import { listAllTemplates } from './templates.js';

/**
 * What retention needs from the official record, read once per preview or
 * apply: the rule of the template each meeting's minutes were written with,
 * and when they were approved (retention counts from approval). Retention
 * takes it as data so it never depends on how the record is stored.
 */
export async function recordRetentionSource(
  open: Pick<OpenVault, 'vault' | 'meetings'>,
): Promise<RetentionSource> {
  const rules = new Map<string, RetentionRule>();
  for (const { template } of await listAllTemplates(open.vault)) {
    if (template.retention) rules.set(template.id, template.retention);
  }
  const record = new MinutesRecord(open);
  const templateOf = new Map<string, string>();
  const approvedAt = new Map<string, string>();
  for (const id of Object.keys(open.vault.data.meetings)) {
    const history = await record.history(id);
    const generated = history.versions
      .flatMap((v) => v.events)
      .filter((e) => e.action === 'generated' && e.comment);
    // The minutes name their template; older records only have the generation event.
    const last = history.versions.at(-1)?.minutes?.template ?? generated.at(-1)?.comment;
    if (last) templateOf.set(id, last);
    const approval = await record.approval(id);
    if (approval) approvedAt.set(id, approval.approval.approvedAt);
  }
  return {
    ruleFor: (meeting) => {
      const template = templateOf.get(meeting.id);
      return template ? rules.get(template) : undefined;
    },
    approvedAt: (meeting) => approvedAt.get(meeting.id),
  };
}
