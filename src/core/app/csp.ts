/**
 * The one Content-Security-Policy of the UI, sent by the devhost, by
 * Electron's app:// handler and written into index.html. Only the app's own
 * files may load; nothing may connect anywhere but back to 'self'. Worklets
 * (the microphone resampler) load from 'self'; recorded audio plays from blob:.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
