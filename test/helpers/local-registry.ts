/**
 * An npm registry on 127.0.0.1 serving the production dependencies of the package as they are in
 * node_modules: enough for `npm install -g TARBALL` and `npx --package TARBALL` to run as they do
 * against the public registry, without reaching it (the tests talk to loopback only).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
interface Version {
  manifest: Manifest;
  tarball: Buffer;
  integrity: string;
  shasum: string;
}

export interface LocalRegistry {
  url: string;
  /** name@version of every package served. */
  served: string[];
  /** Paths npm asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** The folder node would load `name` from, starting at `from` and walking up to `root`. */
function resolveFolder(name: string, from: string, root: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

/** Every folder of the production dependency tree of the package at `root`. */
function productionFolders(root: string): string[] {
  const seen = new Set<string>();
  const visit = (folder: string, manifest: Manifest) => {
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const dep = resolveFolder(name, folder, root);
      if (dep === undefined) {
        if (manifest.optionalDependencies?.[name]) continue;
        throw new Error(`${name} (needed by ${manifest.name}) is not in ${root}/node_modules`);
      }
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep, JSON.parse(readFileSync(join(dep, 'package.json'), 'utf8')) as Manifest);
    }
  };
  visit(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest);
  return [...seen];
}

/** The folder as an npm tarball: its files under package/, without its own node_modules. */
function tarball(folder: string): Buffer {
  return execFileSync(
    'tar',
    [
      '-czf',
      '-',
      '--exclude=./node_modules',
      '--owner=0',
      '--group=0',
      '--transform',
      's,^\\.,package,',
      '-C',
      folder,
      '.',
    ],
    { maxBuffer: 64 << 20 },
  );
}

export async function startLocalRegistry(root: string): Promise<LocalRegistry> {
  const packages = new Map<string, Map<string, Version>>();
  for (const folder of productionFolders(root)) {
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest;
    const data = tarball(folder);
    const versions = packages.get(manifest.name) ?? new Map<string, Version>();
    versions.set(manifest.version, {
      manifest,
      tarball: data,
      integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
      shasum: createHash('sha1').update(data).digest('hex'),
    });
    packages.set(manifest.name, versions);
  }
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(path);
    const file = /^\/(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (file) {
      const version = packages.get(file[1]!)?.get(file[2]!);
      if (!version) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(version.tarball);
    }
    const name = path.slice(1);
    const versions = packages.get(name);
    if (!versions) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const list = [...versions.values()];
    const latest = list
      .map((v) => v.manifest.version)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .at(-1)!;
    const body = {
      name,
      'dist-tags': { latest },
      versions: Object.fromEntries(
        list.map((v) => [
          v.manifest.version,
          {
            ...v.manifest,
            _id: `${name}@${v.manifest.version}`,
            dist: {
              tarball: `${base}/${name}/-/${name.split('/').pop()}-${v.manifest.version}.tgz`,
              integrity: v.integrity,
              shasum: v.shasum,
            },
          },
        ]),
      ),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: `${base}/`,
    served: [...packages.entries()].flatMap(([name, versions]) => [...versions.keys()].map((v) => `${name}@${v}`)),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
