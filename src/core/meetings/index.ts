import { appendAudit, auditLocks, openAudited } from '../audit/index.js';
import { Vault, type OpenOptions } from '../vault/vault.js';
import { Jobs } from './jobs.js';
import { Meetings } from './meetings.js';

export { Meetings, newId, SAMPLE_RATE, type NewMeeting } from './meetings.js';
export { Jobs, type JobContext, type JobHandler, type JobHandlers } from './jobs.js';

/** An unlocked vault with its meetings and jobs: what the CLI and the app hold while open. */
export interface OpenVault {
  vault: Vault;
  meetings: Meetings;
  jobs: Jobs;
}

export function attach(vault: Vault): OpenVault {
  const meetings = new Meetings(vault);
  // After the meetings' own before-lock work, so "vault.locked" comes last.
  auditLocks(vault);
  return { vault, meetings, jobs: new Jobs(meetings) };
}

export async function openVault(
  dir: string,
  passphrase: Buffer,
  options: OpenOptions = {},
): Promise<OpenVault> {
  return attach(await openAudited(dir, passphrase, options));
}

export async function createVault(
  dir: string,
  passphrase: Buffer,
  options: Parameters<typeof Vault.create>[2] = {},
): Promise<OpenVault> {
  const vault = await Vault.create(dir, passphrase, options);
  await appendAudit(vault, { action: 'vault.created' });
  return attach(vault);
}
