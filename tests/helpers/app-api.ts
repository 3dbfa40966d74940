import type { AppService } from '../../src/core/app/app-service.js';
import type { ConversationStore } from '../../src/renderer/ask/conversation.js';
import {
  ApiCallError,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type GreffierApi,
} from '../../src/shared/api.js';

/** The real app service behind the call/on interface the screens use (what the bridge gives). */
export function apiOf(service: AppService): GreffierApi {
  return {
    call: async (name, input) => {
      const response = await service.dispatcher.call(name, input);
      if (!response.ok) throw new ApiCallError(response.error);
      return response.value as never;
    },
    on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) =>
      service.dispatcher.onEvent((name, payload) => {
        if (name === event) listener(payload as EventPayload<E>);
      }),
  };
}

/**
 * Calls the service as a door does and resolves with the value; a refusal
 * throws an Error saying the call and the message, carrying the error's
 * fields (code, hint) for `rejects.toMatchObject({ code })`.
 */
export async function callOk<N extends CallName>(
  service: AppService,
  name: N,
  input: unknown,
): Promise<CallOutput<N>> {
  const response = await service.dispatcher.call(name, input);
  if (!response.ok) {
    const { message, ...fields } = response.error;
    throw Object.assign(new Error(`${name}: ${fields.code} ${message}`), fields);
  }
  return response.value as CallOutput<N>;
}

/** Calls the service expecting a refusal; resolves with the error (throws if it was accepted). */
export async function callRefused(service: AppService, name: CallName, input: unknown) {
  const response = await service.dispatcher.call(name, input);
  if (response.ok) throw new Error(`${name} should have failed`);
  return response.error;
}

/** Resolves when a conversation store's state satisfies `done` (the store says when it changes). */
export function until(store: ConversationStore, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const off = store.subscribe(() => {
      if (done()) {
        off();
        resolve();
      }
    });
  });
}
