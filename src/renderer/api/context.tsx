import { createContext, useContext, type ReactNode } from 'react';
import type { GreffierApi } from '../../shared/api.js';

const ApiContext = createContext<GreffierApi | undefined>(undefined);

export function ApiProvider({ api, children }: { api: GreffierApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): GreffierApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
}
