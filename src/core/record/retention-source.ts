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
    const facts = await record.retentionFacts(id);
    if (facts.template) templateOf.set(id, facts.template);
    if (facts.approvedAt) approvedAt.set(id, facts.approvedAt);
  }
  return {
    ruleFor: (meeting) => {
      const template = templateOf.get(meeting.id);
      return template ? rules.get(template) : undefined;
    },
    approvedAt: (meeting) => approvedAt.get(meeting.id),
  };
}
