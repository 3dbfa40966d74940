import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  BRIDGE_GLOBAL,
  CallResponseSchema,
  EventEnvelopeSchema,
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  apiCalls,
  apiEvents,
  isCallName,
  isEventName,
  type CallResponse,
} from '../shared/api.js';
import { inputRefusal } from '../shared/input-refusal.js';

/**
 * The whole bridge: one object with `call` and `on`, nothing else — never
 * ipcRenderer itself. Inputs are validated here before they leave the page and
 * again in main; answers and events are validated before the page sees them.
 */
const bridge = {
  async call(name: unknown, input: unknown): Promise<CallResponse> {
    if (!isCallName(name)) {
      return {
        ok: false,
        error: { code: 'unknown-call', message: `No call named "${String(name).slice(0, 100)}".` },
      };
    }
    const parsed = apiCalls[name].input.safeParse(input ?? {});
    if (!parsed.success) {
      return { ok: false, error: inputRefusal(name, apiCalls[name].input, parsed.error) };
    }
    return CallResponseSchema.parse(
      await ipcRenderer.invoke(IPC_CALL_CHANNEL, { name, input: parsed.data }),
    );
  },
  on(event: unknown, listener: unknown): () => void {
    if (!isEventName(event) || typeof listener !== 'function') return () => undefined;
    const handler = (_event: IpcRendererEvent, envelope: unknown) => {
      const parsed = EventEnvelopeSchema.safeParse(envelope);
      if (!parsed.success || parsed.data.event !== event) return;
      const payload = apiEvents[event].safeParse(parsed.data.payload);
      if (payload.success) (listener as (payload: unknown) => void)(payload.data);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
