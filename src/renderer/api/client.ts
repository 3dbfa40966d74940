import {
  ApiCallError,
  BRIDGE_GLOBAL,
  CallResponseSchema,
  EventEnvelopeSchema,
  isEventName,
  parseCallOutput,
  parseEventPayload,
  type CallInput,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type GreffierApi,
} from '../../shared/api.js';

type Listener = (payload: unknown) => void;

/** The raw bridge the Electron preload exposes; it validates too, we validate again. */
interface Bridge {
  call(name: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/**
 * One typed API whatever the door: the Electron preload's bridge when it is
 * there, otherwise the devhost over loopback HTTP with the launch token.
 */
export function connectApi(): GreffierApi {
  const bridge = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL] as Bridge | undefined;
  if (bridge) return bridgeApi(bridge);
  return httpApi(takeToken());
}

function bridgeApi(bridge: Bridge): GreffierApi {
  return {
    async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
      const response = CallResponseSchema.parse(await bridge.call(name, input));
      if (!response.ok) throw new ApiCallError(response.error);
      return parseCallOutput(name, response.value);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      return bridge.on(event, (payload) => listener(parseEventPayload(event, payload)));
    },
  };
}

const TOKEN_KEY = 'greffier.token';

/**
 * The devhost gives its token in the URL fragment (never sent over the wire);
 * we keep it for this tab only and wipe it from the address bar.
 */
function takeToken(): string {
  const match = /[#&]token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function httpApi(token: string): GreffierApi {
  const listeners = new Map<string, Set<Listener>>();
  let streaming = false;

  async function openEvents(): Promise<void> {
    if (streaming) return;
    streaming = true;
    for (;;) {
      try {
        const response = await fetch('/api/events', { headers: { 'x-greffier-token': token } });
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) dispatch(line);
            newline = buffer.indexOf('\n');
          }
        }
      } catch {
        // The host went away (restart, sleep): try again shortly, the screens refetch on events.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  function dispatch(line: string): void {
    let envelope;
    try {
      envelope = EventEnvelopeSchema.parse(JSON.parse(line));
    } catch {
      return;
    }
    if (!isEventName(envelope.event)) return;
    const payload = parseEventPayload(envelope.event, envelope.payload);
    for (const listener of listeners.get(envelope.event) ?? []) listener(payload);
  }

  return {
    async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
      let response: Response;
      try {
        response = await fetch('/api/call', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-greffier-token': token },
          body: JSON.stringify({ name, input }),
        });
      } catch {
        // The browser's own words ("Failed to fetch") mean the host is gone: say so with a code.
        throw new ApiCallError({
          code: 'host-unreachable',
          message: 'Greffier is not answering.',
          hint: 'Start Greffier again, then reload this page.',
        });
      }
      if (!response.ok) {
        throw new ApiCallError({
          code: `http-${response.status}`,
          message: await response.text(),
          hint: 'Open the address the app printed when it started (it carries the session token).',
        });
      }
      const parsed = CallResponseSchema.parse(await response.json());
      if (!parsed.ok) throw new ApiCallError(parsed.error);
      return parseCallOutput(name, parsed.value);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      void openEvents();
      const set = listeners.get(event) ?? new Set<Listener>();
      set.add(listener as Listener);
      listeners.set(event, set);
      return () => set.delete(listener as Listener);
    },
  };
}
