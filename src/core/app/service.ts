import { ZodError } from 'zod';
import {
  apiCalls,
  apiEvents,
  isCallName,
  parseCallInput,
  type ApiError,
  type CallName,
  type CallOutput,
  type CallParsedInput,
  type CallResponse,
  type EventName,
  type EventPayload,
} from '../../shared/api.js';
import { inputRefusal } from '../../shared/input-refusal.js';
import { GreffierError, isGreffierError } from '../errors.js';
import { BlockedRequestLog } from './blocked-log.js';

export type Handler<N extends CallName> = (input: CallParsedInput<N>) => Promise<CallOutput<N>>;
export type Handlers = { [N in CallName]?: Handler<N> };
export type EventListener = (event: EventName, payload: unknown) => void;

/**
 * The transport-independent half of the app: every call of the contract is
 * validated here, dispatched to its handler, and its answer validated again
 * before it leaves. Electron's main process and the devhost only move bytes
 * to and from `call` and `onEvent`, so both doors behave the same.
 */
export class AppDispatcher {
  private readonly listeners = new Set<EventListener>();
  private handlers: Handlers = {};
  readonly blocked = new BlockedRequestLog();

  constructor() {
    this.blocked.onRecord((entry) => this.emit('security.blocked', entry));
  }

  register(handlers: Handlers): void {
    this.handlers = { ...this.handlers, ...handlers };
  }

  /** Never throws: failures come back as data the UI can show (what is wrong, what to do). */
  async call(name: unknown, rawInput: unknown): Promise<CallResponse> {
    if (!isCallName(name)) {
      return {
        ok: false,
        error: {
          code: 'unknown-call',
          message: `The app has no call named "${String(name).slice(0, 100)}".`,
          hint: 'The window and the app are out of step: restart Greffier.',
        },
      };
    }
    let input: CallParsedInput<typeof name>;
    try {
      input = parseCallInput(name, rawInput);
    } catch (error) {
      // The input's own refusal names its field and range (shared/input-refusal.ts).
      if (error instanceof ZodError) {
        return { ok: false, error: inputRefusal(name, apiCalls[name].input, error) };
      }
      return { ok: false, error: toApiError(name, error) };
    }
    try {
      const handler = this.handlers[name] as Handler<typeof name> | undefined;
      if (!handler) {
        throw new GreffierError('not-available', `"${name}" is not available in this build.`, {
          hint: 'Update Greffier or use the command line for this task.',
        });
      }
      const value = await handler(input as never);
      // The output is checked too: a core change that breaks the contract fails loudly here.
      return { ok: true, value: apiCalls[name].output.parse(value) };
    } catch (error) {
      return { ok: false, error: toApiError(name, error) };
    }
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const checked = apiEvents[event].parse(payload);
    for (const listener of this.listeners) listener(event, checked);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function toApiError(name: string, error: unknown): ApiError {
  if (isGreffierError(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.vars ? { vars: error.vars } : {}),
    };
  }
  if (error instanceof ZodError) {
    const first = error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'input';
    return {
      code: 'invalid-request',
      message: `The request "${name}" was refused: ${where}: ${first?.message ?? 'invalid'}.`,
      hint: 'Check the value you entered; if it looks right, restart Greffier.',
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'unexpected',
    message: `Unexpected failure in "${name}": ${message}`,
    hint: 'Try again; if it happens again, restart Greffier and report it to IT.',
  };
}
