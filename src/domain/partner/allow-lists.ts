import { fail } from '../shared/errors';

/**
 * What a partner client may name in its allow-lists (the FAQ's OAuth and Captcha answers: redirect URIs and logo
 * URLs must be registered with the client, captcha domains are fixed per client). Checked once, when the client is
 * registered; afterwards a URI is allowed exactly when it is on its list (compared as text, as OAuth 2.0 asks for
 * redirect URIs: no prefix or pattern matching).
 */

/** Hosts that may use plain http: a partner's development machine, never a public site. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const MAX_ALLOW_LIST_ENTRIES = 20;
const MAX_URL_LENGTH = 2000;

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens, at most 253 characters. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * A redirect URI or logo URL: absolute, https (http only for localhost, for development), no user name or
 * password in it, and for redirect URIs no fragment (RFC 6749 section 3.1.2).
 */
export function checkClientUrl(value: string, field: string, options: { fragment: boolean }): string {
  const refuse = (why: string): never =>
    fail('VALIDATION_ERROR', `${field}: ${why}`, { fields: [{ field, errors: [why] }] });
  if (value.length === 0 || value.length > MAX_URL_LENGTH) refuse(`must be 1-${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('must be an absolute URL');
  }
  if (url.protocol === 'http:' ? !LOOPBACK_HOSTS.has(url.hostname) : url.protocol !== 'https:')
    refuse('must use https (plain http only for localhost)');
  if (url.username || url.password) refuse('must not carry a user name or password');
  if (!options.fragment && url.hash) refuse('must not have a fragment (#...)');
  return value;
}

/** A captcha domain: a host name (no scheme, port or path), compared lower-cased. */
export function checkHostName(value: string, field: string): string {
  const host = value.trim().toLowerCase();
  if (!HOST_NAME.test(host))
    fail(
      'VALIDATION_ERROR',
      `${field}: must be a host name such as shop.example.com (no scheme, port or path)`,
      {
        fields: [{ field, errors: ['must be a host name'] }],
      },
    );
  return host;
}

/** A list of at most MAX_ALLOW_LIST_ENTRIES distinct entries, each checked. */
export function checkList(values: string[], field: string, check: (value: string) => string): string[] {
  if (values.length > MAX_ALLOW_LIST_ENTRIES)
    fail('VALIDATION_ERROR', `${field}: at most ${MAX_ALLOW_LIST_ENTRIES} entries`, {
      fields: [{ field, errors: [`at most ${MAX_ALLOW_LIST_ENTRIES} entries`] }],
    });
  const checked = values.map(check);
  if (new Set(checked).size !== checked.length)
    fail('VALIDATION_ERROR', `${field}: an entry is listed twice`, {
      fields: [{ field, errors: ['an entry is listed twice'] }],
    });
  return checked;
}

/** The host of an `Origin` header value (`https://shop.example.com:8443` -> `shop.example.com`), if it is one. */
export function originHost(origin: string): string | undefined {
  if (origin === 'null') return undefined; // sandboxed frames and file:// pages send the string "null"
  try {
    const url = new URL(origin);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
