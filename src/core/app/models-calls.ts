import { importModelsFromFolder } from '../models/import.js';
import { installedModelViews, makeDefaultModel } from '../models/installed.js';
import { homePaths } from '../paths.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** "Models & settings": what is installed, and the folder import IT uses (the CLI's own). */
export function modelCalls(session: AppSession): Handlers {
  return {
    'models.list': async () => installedModelViews(session.vault.vault.getSettings()),

    'models.import': async ({ folder, trustUnlisted }) => {
      const { vault } = session.vault;
      // Each file is copied into the app's own models folder, as "greffier models import" does.
      const result = await importModelsFromFolder(vault, folder, {
        modelsDir: homePaths(session.homeEnv).models,
        env: session.homeEnv,
        ...(trustUnlisted ? { trustUnlisted: true } : {}),
      });
      const paths = new Set<string>(result.imported.map((model) => model.path));
      const imported = installedModelViews(vault.getSettings()).filter((view) =>
        paths.has(view.path),
      );
      // Meetings waiting for a model (recorded before any was installed) go ahead now.
      if (imported.length > 0) session.kickJobs();
      return { imported, skipped: result.skipped };
    },

    'models.setDefault': async ({ kind, path }) => {
      const { vault } = session.vault;
      await makeDefaultModel(vault, kind, path);
      // Meetings waiting for a model go ahead with it (a failed one is retried by hand).
      session.kickJobs();
      return installedModelViews(vault.getSettings());
    },
  };
}
