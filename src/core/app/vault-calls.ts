import { appendAudit, auditPassphraseCheck } from '../audit/index.js';
import { createVault, openVault } from '../meetings/index.js';
import { Vault } from '../vault/index.js';
import { unwrapMasterKey } from '../vault/header.js';
import { zero } from '../vault/crypto.js';
import type { Settings } from '../../shared/meetings.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';
import { systemUiLocale } from './locale.js';

const settingsView = (settings: Settings) => ({
  defaultLanguage: settings.defaultLanguage,
  autoLockMinutes: settings.autoLockMinutes,
});

/** The vault's door: state, create, unlock, lock, passphrase, settings. */
export function vaultCalls(session: AppSession): Handlers {
  return {
    'app.status': async () => {
      const unlocked = session.unlocked;
      const settings = unlocked ? session.vault.vault.getSettings() : undefined;
      return {
        ready: true,
        version: session.options.version ?? '0.1.0',
        vault: unlocked ? 'unlocked' : Vault.exists(session.vaultDir) ? 'locked' : 'absent',
        systemLocale: systemUiLocale(session.env),
        ...(settings ? { settings: settingsView(settings) } : {}),
        hasAsrModel: session.hasModel('asr'),
        hasLlmModel: session.hasModel('llm'),
      };
    },

    'vault.create': async ({ passphrase }) => {
      const secret = Buffer.from(passphrase, 'utf8');
      try {
        const kdf = session.options.kdf;
        session.adopt(await createVault(session.vaultDir, secret, kdf ? { kdf } : {}));
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
        session.adopt(await openVault(session.vaultDir, secret));
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
        await vault.changePassphrase(nextSecret, session.options.kdf);
        await appendAudit(vault, { action: 'vault.passphrase-changed' });
      } finally {
        zero(currentSecret, nextSecret);
      }
      return { ok: true };
    },

    'settings.get': async () => settingsView(session.vault.vault.getSettings()),

    'settings.update': async (patch) => {
      const { vault } = session.vault;
      const updated = await vault.updateSettings(patch);
      await appendAudit(vault, {
        action: 'settings.changed',
        details: Object.fromEntries(
          Object.entries(patch).map(([key, value]) => [key, JSON.stringify(value)]),
        ),
      });
      return settingsView(updated);
    },
  };
}
