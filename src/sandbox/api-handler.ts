/**
 * The Beluga API as the reference describes it: authenticate, route, check the media type and the
 * body, then list, create, read, update or delete certificate records.
 */
import { verifyAuth } from './verify-auth.js';
import { checkUpload, isProblem } from './certificate-upload.js';
import { failureReply, jsonReply, type Reply } from './reply.js';
import { toCertObject, type RecordStore, type Upload } from './record-store.js';
import type { SandboxCredentials } from './types.js';

const API_PREFIX = '/api/cdn/v2/';
const COLLECTION = 'ssl-certificates';

export interface RawRequest {
  method: string;
  /** The request target as sent: path plus `?query`. */
  target: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ApiContext {
  store: RecordStore;
  credentials: SandboxCredentials;
  now: () => Date;
}

type Route = { kind: 'collection' } | { kind: 'item'; id: string };
type Fields = Record<string, unknown>;

export function handleApi(req: RawRequest, ctx: ApiContext): Reply {
  const path = req.target.split('?')[0] as string;
  if (!path.startsWith(API_PREFIX)) return failureReply(404, 'not_found', 'no such endpoint');
  const authInput = {
    method: req.method,
    path: req.target,
    authorization: req.headers['authorization'],
    date: req.headers['date'],
    body: req.body,
  };
  if (!verifyAuth(authInput, ctx.credentials, ctx.now())) {
    return failureReply(401, 'authentication_failed', 'authentication failed');
  }
  const route = matchRoute(path.slice(API_PREFIX.length));
  if (!route) return failureReply(404, 'not_found', 'no such endpoint');
  const allowed = route.kind === 'collection' ? ['GET', 'POST', 'PUT'] : ['GET', 'PUT', 'DELETE'];
  if (!allowed.includes(req.method)) {
    return failureReply(405, 'method_not_allowed', `${req.method} is not allowed here`, { Allow: allowed.join(', ') });
  }
  const hasBody = req.body.length > 0 || req.method === 'POST' || req.method === 'PUT';
  if (hasBody && !isJsonMediaType(req.headers['content-type'])) {
    return failureReply(415, 'unsupported_media_type', 'requests with a body must be Content-Type: application/json');
  }
  if (req.method === 'GET' && route.kind === 'collection') {
    const certificates = ctx.store.list();
    return jsonReply(200, { count: certificates.length, certificates });
  }
  if (req.method === 'GET' || req.method === 'DELETE')
    return readOrDelete(req.method, (route as { id: string }).id, ctx);
  const fields = parseObject(req.body);
  if (!fields) return failureReply(400, 'invalid_json', 'the body must be a JSON object');
  if (req.method === 'POST') return create(fields, ctx);
  return update(fields, route.kind === 'item' ? route.id : undefined, ctx);
}

function readOrDelete(method: string, id: string, ctx: ApiContext): Reply {
  const record = ctx.store.find(id);
  if (!record) return notFound(id);
  if (method === 'GET') return jsonReply(200, toCertObject(record));
  ctx.store.remove(record);
  return jsonReply(200, { result: 'success', message: `certificate ${id} deleted` });
}

function create(fields: Fields, ctx: ApiContext): Reply {
  const missing = missingFields(fields, ['certificate', 'key', 'site']);
  if (missing) return missing;
  const upload = checkFields(fields);
  if ('status' in upload) return upload;
  const record = ctx.store.create(fields['site'] as string, upload);
  return jsonReply(200, toCertObject(record));
}

/** Both forms: PUT on the collection with `id` in the body (2017 workflow), or on the item (npm client). */
function update(fields: Fields, pathId: string | undefined, ctx: ApiContext): Reply {
  const bodyId = fields['id'];
  if (bodyId !== undefined && typeof bodyId !== 'string' && typeof bodyId !== 'number') {
    return failureReply(400, 'invalid_field', 'id must be a string or a number');
  }
  if (pathId === undefined && (bodyId === undefined || bodyId === '')) {
    return failureReply(400, 'missing_field', 'missing field: id');
  }
  if (pathId !== undefined && bodyId !== undefined && String(bodyId) !== pathId) {
    return failureReply(400, 'invalid_field', 'the id in the body differs from the id in the path');
  }
  const missing = missingFields(fields, ['certificate', 'key']);
  if (missing) return missing;
  const id = pathId ?? String(bodyId);
  const record = ctx.store.find(id);
  if (!record) return notFound(id);
  const upload = checkFields(fields);
  if ('status' in upload) return upload;
  return jsonReply(200, toCertObject(ctx.store.update(record, upload)));
}

function checkFields(fields: Fields): Reply | Upload {
  const chain = fields['chain'];
  if (chain !== undefined && chain !== null && typeof chain !== 'string') {
    return failureReply(400, 'invalid_field', 'chain must be a string');
  }
  const certificate = fields['certificate'] as string;
  const key = fields['key'] as string;
  const checked = checkUpload(certificate, key, chain ?? undefined);
  if (isProblem(checked)) return failureReply(400, checked.error, checked.message);
  return { certificate, key, chain: chain ?? undefined, ...checked };
}

function missingFields(fields: Fields, names: string[]): Reply | undefined {
  const missing = names.filter((n) => typeof fields[n] !== 'string' || (fields[n] as string).trim() === '');
  if (missing.length === 0) return undefined;
  return failureReply(400, 'missing_field', `missing or empty field: ${missing.join(', ')}`);
}

function notFound(id: string): Reply {
  return failureReply(404, 'not_found', `no certificate with id ${JSON.stringify(id).slice(0, 80)}`);
}

function matchRoute(rest: string): Route | undefined {
  if (rest === COLLECTION) return { kind: 'collection' };
  if (!rest.startsWith(`${COLLECTION}/`)) return undefined;
  const raw = rest.slice(COLLECTION.length + 1);
  if (raw === '' || raw.includes('/')) return undefined;
  try {
    return { kind: 'item', id: decodeURIComponent(raw) };
  } catch {
    return undefined;
  }
}

function isJsonMediaType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

function parseObject(body: Buffer): Fields | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;
  } catch {
    return undefined;
  }
}
