import { importModelsFromFolder } from '../models/import.js';
import { installedModelViews } from '../models/installed.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** "Models & settings": what is installed, and the folder import IT uses (the CLI's own). */
export function modelCalls(session: AppSession): Handlers {
  return {
    'models.list': async () => installedModelViews(session.vault.vault.getSettings()),

    'models.import': async ({ folder, trustUnlisted }) => {
      const { vault } = session.vault;
      const result = await importModelsFromFolder(vault, folder, {
        ...(trustUnlisted ? { trustUnlisted: true } : {}),
      });
      const paths = new Set(result.imported.map((model) => model.path));
      const imported = installedModelViews(vault.getSettings()).filter((view) =>
        paths.has(view.path),
      );
      // Meetings waiting for a model (recorded before any was installed) go ahead now.
      if (imported.length > 0) session.kickJobs();
      return { imported, skipped: result.skipped };
    },
  };
}
