import { appendAudit, auditPassphraseCheck } from '../audit/index.js';
import { createVault, openVault } from '../meetings/index.js';
import { Vault } from '../vault/index.js';
import { unwrapMasterKey } from '../vault/header.js';
import { zero } from '../vault/crypto.js';
import type { Settings } from '../../shared/meetings.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';
import { systemUiLocale } from './locale.js';
import { GreffierError } from '../errors.js';
import { importPolicyModels } from '../models/import.js';
import { policyPath, type MachinePolicy } from '../policy.js';
import { finalDecoding } from '../asr/index.js';

/** The settings as they apply: what the machine policy enforces wins over the vault's own. */
const settingsView = (settings: Settings, policy: MachinePolicy) => ({
  defaultLanguage: settings.defaultLanguage,
  autoLockMinutes: policy.autoLockMinutes ?? settings.autoLockMinutes,
  finalDecoding: finalDecoding(settings, policy),
});

/** What the settings screen shows as decided by IT (nothing when there is no policy). */
const policyView = (policy: MachinePolicy, path: string) => ({
  path,
  ...(policy.vaultFolder ? { vaultFolder: policy.vaultFolder } : {}),
  ...(policy.minPassphraseLength ? { minPassphraseLength: policy.minPassphraseLength } : {}),
  ...(policy.autoLockMinutes ? { autoLockMinutes: policy.autoLockMinutes } : {}),
  ...(policy.allowedModelSha256 ? { allowedModels: policy.allowedModelSha256.length } : {}),
  ...(policy.modelsFolder ? { modelsFolder: policy.modelsFolder } : {}),
  ...(policy.uiLanguage ? { uiLanguage: policy.uiLanguage } : {}),
  featuresOff: policy.featuresOff ?? [],
  ...(policy.finalDecoding ? { finalDecoding: policy.finalDecoding } : {}),
});

const policyLocks = (policy: MachinePolicy) =>
  policy.autoLockMinutes ? { autoLockMinutes: policy.autoLockMinutes } : {};

/** The vault's door: state, create, unlock, lock, passphrase, settings. */
export function vaultCalls(session: AppSession): Handlers {
  return {
    'app.status': async () => {
      const unlocked = session.unlocked;
      const settings = unlocked ? session.vault.vault.getSettings() : undefined;
      const policy = session.policy;
      return {
        ready: true,
        version: session.options.version ?? '0.1.0',
        vault: unlocked ? 'unlocked' : Vault.exists(session.vaultDir) ? 'locked' : 'absent',
        systemLocale: systemUiLocale(session.env),
        ...(settings ? { settings: settingsView(settings, policy) } : {}),
        policy: policyView(policy, policyPath(session.env)),
        hasAsrModel: session.hasModel('asr'),
        hasLlmModel: session.hasModel('llm'),
      };
    },

    'vault.create': async ({ passphrase }) => {
      const secret = Buffer.from(passphrase, 'utf8');
      try {
        const kdf = session.options.kdf;
        const { policy } = session;
        const open = await createVault(session.vaultDir, secret, {
          ...(kdf ? { kdf } : {}),
          ...(policy.minPassphraseLength ? { minLength: policy.minPassphraseLength } : {}),
          ...policyLocks(policy),
          locale: systemUiLocale(session.env),
        });
        session.adopt(open);
        // IT's pre-installed models go into a new vault at once (machine policy).
        await importPolicyModels(open.vault, session.homeEnv);
      } finally {
        zero(secret);
      }
      return { ok: true };
    },

    'vault.unlock': async ({ passphrase }) => {
      const secret = Buffer.from(passphrase, 'utf8');
      try {
        // Already open: the passphrase is still checked, never taken on trust.
        if (session.unlocked) {
          const { vault } = session.vault;
          zero(await auditPassphraseCheck(vault, () => unwrapMasterKey(vault.header, secret)));
          return { ok: true };
        }
        session.adopt(await openVault(session.vaultDir, secret, policyLocks(session.policy)));
      } finally {
        zero(secret);
      }
      return { ok: true };
    },

    'vault.lock': async () => {
      await session.close();
      return { ok: true };
    },

    'vault.changePassphrase': async ({ current, next }) => {
      const { vault } = session.vault;
      const currentSecret = Buffer.from(current, 'utf8');
      const nextSecret = Buffer.from(next, 'utf8');
      try {
        // The current passphrase is asked again so an unattended unlocked PC cannot be re-keyed.
        zero(await auditPassphraseCheck(vault, () => unwrapMasterKey(vault.header, currentSecret)));
        await vault.changePassphrase(
          nextSecret,
          session.options.kdf,
          systemUiLocale(session.env),
          session.policy.minPassphraseLength,
        );
        await appendAudit(vault, { action: 'vault.passphrase-changed' });
      } finally {
        zero(currentSecret, nextSecret);
      }
      return { ok: true };
    },

    'settings.get': async () => settingsView(session.vault.vault.getSettings(), session.policy),

    'settings.update': async (patch) => {
      const { policy } = session;
      if (patch.autoLockMinutes !== undefined && policy.autoLockMinutes !== undefined) {
        throw new GreffierError(
          'policy-enforced',
          `the auto-lock delay is set to ${policy.autoLockMinutes} minutes by this machine's policy`,
          { hint: 'ask your IT administrator to change it' },
        );
      }
      if (patch.finalDecoding !== undefined && policy.finalDecoding !== undefined) {
        throw new GreffierError(
          'policy-enforced',
          "the final transcription's decoding is set by this machine's policy",
          { hint: 'ask your IT administrator to change it' },
        );
      }
      const { vault } = session.vault;
      const updated = await vault.updateSettings(patch);
      await appendAudit(vault, {
        action: 'settings.changed',
        details: Object.fromEntries(
          Object.entries(patch).map(([key, value]) => [key, JSON.stringify(value)]),
        ),
      });
      return settingsView(updated, policy);
    },
  };
}
