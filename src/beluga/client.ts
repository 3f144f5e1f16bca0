import type { BelugaAuth, BelugaConfig } from '../config/build-config.js';
import { HookError, oneLine } from '../errors.js';
import { TransportError, type HttpClient, type HttpResponse } from '../http.js';
import { checkRecordIds } from './record-ids.js';
import type { BelugaRecord } from './types.js';
import { createRedactor, cutRedacted, type Redactor } from '../redact.js';
import { basicForms, userinfoSecrets } from '../secret-forms.js';
import { authHeaders } from './token-auth.js';

interface UploadBody {
  certificate: string;
  key: string;
  chain?: string;
}

export interface BelugaClient {
  list(): Promise<BelugaRecord[]>;
  create(body: UploadBody & { site: string }): Promise<BelugaRecord>;
  update(id: string | number, body: UploadBody): Promise<void>;
  delete(id: string | number): Promise<void>;
}

const PREFIX = '/api/cdn/v2/';
/** Room for very large accounts (a record lists ~300 bytes); other answers are one record. */
const LIST_MAX_BYTES = 64 * 1024 * 1024;

/** The Beluga SSL-certificate API exactly as beluga-api.md describes it. */
export function createBelugaClient(
  config: Pick<BelugaConfig, 'baseUrl' | 'auth' | 'timeoutMs'>,
  deps: { http: HttpClient; now: () => Date },
): BelugaClient {
  async function call(
    what: string,
    method: string,
    path: string,
    payload?: object,
    maxBytes?: number,
  ): Promise<unknown> {
    const url = config.baseUrl + PREFIX + path;
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    // Every Authorization value sent (a retry signs again): a server may quote any of them back.
    const sentAuth: string[] = [];
    const sign = () => {
      const signed = authHeaders(config.auth, method, url, body, deps.now());
      const value = signed.Authorization as string;
      sentAuth.push(value, value.slice(value.lastIndexOf(' ') + 1)); // the signature or Basic's base64, alone too
      return signed;
    };
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...sign(),
    };
    let res: HttpResponse;
    try {
      res = await deps.http(url, { method, headers, body, timeoutMs: config.timeoutMs, freshHeaders: sign, maxBytes });
    } catch (err) {
      // A redirect is refused, not followed: the base URL is wrong, and trying again will not help.
      if (err instanceof TransportError && err.kind === 'redirect')
        throw new HookError('REMOTE_REJECTED', `beluga: ${what}: ${err.message}; check BELUGA_BASE_URL`);
      if (err instanceof TransportError) throw new HookError('REMOTE_UNAVAILABLE', `beluga: ${what}: ${err.message}`);
      throw err;
    }
    // What the answer may quote of the request: the credentials, and any line of the PEM texts.
    const hide = createRedactor([...authSecrets(config.auth), ...userinfoSecrets(config.baseUrl), ...sentAuth], {
      sent: pemTexts(payload),
    });
    return interpret(what, res, config.auth.kind, hide);
  }

  return {
    async list() {
      const answer = await call('list certificates', 'GET', 'ssl-certificates', undefined, LIST_MAX_BYTES);
      return parseList(answer);
    },
    async create(body) {
      const answer = await call(`create certificate for site ${body.site}`, 'POST', 'ssl-certificates', body);
      if (!isRecord(answer)) {
        throw new HookError('REMOTE_UNAVAILABLE', 'beluga: create certificate: answer is not a certificate object');
      }
      return answer;
    },
    async update(id, body) {
      await call(`update certificate id=${id}`, 'PUT', 'ssl-certificates', { id, ...body });
    },
    async delete(id) {
      await call(`delete certificate id=${id}`, 'DELETE', `ssl-certificates/${encodeURIComponent(String(id))}`);
    },
  };
}

/** The secrets behind the Authorization header, and Basic's base64 of user:password. */
function authSecrets(auth: BelugaAuth): string[] {
  return auth.kind === 'token' ? [auth.tokenSecret] : [auth.password, ...basicForms(auth.username, auth.password)];
}

function pemTexts(payload: object | undefined): string[] {
  const { certificate, key, chain } = (payload ?? {}) as Partial<UploadBody>;
  return [certificate, key, chain].filter((t): t is string => typeof t === 'string');
}

/**
 * Turn an HTTP answer into JSON or a HookError that names the call and the status. The answer's
 * text is redacted (`hide`) before it is cut, so a cut never leaves part of a secret.
 */
function interpret(what: string, res: HttpResponse, authKind: 'token' | 'basic', hide: Redactor): unknown {
  const json = parseJson(res.text);
  const detail = failureDetail(json, hide) ?? (json === undefined ? bodyStart(res.text, hide) : '');
  const status = `HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
  if (res.status === 401 || res.status === 403) {
    const names = authKind === 'token' ? 'BELUGA_TOKEN_ID/BELUGA_TOKEN_SECRET' : 'BELUGA_USERNAME/BELUGA_PASSWORD';
    throw new HookError('CREDENTIALS_REJECTED', `beluga: ${what}: ${status}: credentials rejected; check ${names}`);
  }
  if (res.status === 429 || res.status >= 500) {
    throw new HookError('REMOTE_UNAVAILABLE', `beluga: ${what}: ${status}; try again later`);
  }
  if (res.status < 200 || res.status >= 300) {
    throw new HookError('REMOTE_REJECTED', `beluga: ${what}: ${status}`);
  }
  if (res.status === 204 || (res.text.trim() === '' && /^(update|delete)/.test(what))) return {};
  if (json === undefined) {
    throw new HookError('REMOTE_UNAVAILABLE', `beluga: ${what}: ${status}: answer is not JSON`);
  }
  // A failure may come back as HTTP 200 (go-belugacdn checks `result` after the status).
  if (isObject(json) && json.result === 'failure') {
    throw new HookError('REMOTE_REJECTED', `beluga: ${what}: refused (result: failure, ${status})`);
  }
  return json;
}

function parseList(answer: unknown): BelugaRecord[] {
  if (!isObject(answer) || !Array.isArray(answer.certificates)) {
    throw new HookError('REMOTE_UNAVAILABLE', 'beluga: list certificates: answer has no "certificates" array');
  }
  const bad = answer.certificates.findIndex((c) => !isRecord(c));
  if (bad >= 0) {
    throw new HookError('REMOTE_UNAVAILABLE', `beluga: list certificates: entry ${bad} has no id or no "names" list`);
  }
  const records = answer.certificates as BelugaRecord[];
  checkRecordIds(records);
  return records;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecord(value: unknown): value is BelugaRecord {
  return (
    isObject(value) &&
    (typeof value.id === 'string' || typeof value.id === 'number') &&
    Array.isArray(value.names) &&
    value.names.every((n) => typeof n === 'string')
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failureDetail(json: unknown, hide: Redactor): string | undefined {
  if (!isObject(json)) return undefined;
  const parts = [json.message, json.error].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? cutRedacted(oneLine(hide(parts.join(' - '))), 200) : undefined;
}

/** The first bytes of a non-JSON body (an HTML page from a proxy), on one line. */
function bodyStart(text: string, hide: Redactor): string {
  const flat = oneLine(hide(text));
  if (!flat) return 'empty body';
  return cutRedacted(flat, 81);
}
