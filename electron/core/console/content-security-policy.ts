/**
 * The console's content security policy, one string for both places that serve the console: `keywarden ui`
 * (electron/cli/ui/security.ts, on every HTTP answer) and the desktop window (electron/core/desktop/app-protocol.ts,
 * on every `app://keywarden/` response). One definition, so the window can never run under a weaker policy than the
 * browser console, or the other way round.
 *
 * Scripts, styles, fonts and connections from the page's own origin only (no inline script, no eval, no inline
 * <style>); images and fonts also as data: URLs (bundlers inline small assets that way); no plugins, no <base>,
 * forms only to the origin, and no framing by anyone.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
