/**
 * The modules of src/ import one another without a cycle, type-only imports included: a cycle
 * means two modules that cannot be read, moved or loaded on their own (a type a lower module
 * needs belongs in that module or in a types file below both). Lazy `import()` calls are not
 * edges: they are how a definition loads the code it describes only when it runs.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers/run-cli.js';

const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The relative modules a file names in its import and export-from declarations. */
function staticImports(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const named: string[] = [];
  for (const statement of source.statements) {
    const spec =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) {
      named.push(resolve(dirname(file), spec.text.replace(/\.js$/, '.ts')));
    }
  }
  return named;
}

/** Every cycle's modules (strongly connected components of more than one module, or a self-import). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

t.test('src/ has no import cycle, type-only imports included', async (t) => {
  const graph = new Map(sourceFiles(SRC).map((f) => [f, staticImports(f)]));
  t.ok(graph.size > 100, `read ${graph.size} modules`);
  const edges = [...graph.values()].reduce((n, e) => n + e.length, 0);
  t.ok(edges > graph.size, `followed ${edges} imports`);
  t.same(
    cycles(graph).map((c) => c.map((f) => relative(SRC, f))),
    [],
  );
});

t.test('the cycle finder finds a cycle made of type-only imports', async (t) => {
  const a = '/a.ts';
  const b = '/b.ts';
  const c = '/c.ts';
  t.same(
    cycles(
      new Map([
        [a, [b]],
        [b, [c]],
        [c, [a]],
      ]),
    ),
    [[a, b, c]],
  );
  t.same(cycles(new Map([[a, [a]]])), [[a]], 'a module importing itself');
  t.same(
    cycles(
      new Map([
        [a, [b]],
        [b, []],
      ]),
    ),
    [],
    'a chain is no cycle',
  );
  // The real reader: `import type` and `export ... from` are edges, a lazy import() and a package are not.
  const file = join(SRC, 'x', 'y.ts');
  t.same(
    staticImports(file, "import type { A } from './a.js';\nexport { B } from '../b.js';\nimport ts from 'typescript';"),
    [join(SRC, 'x', 'a.ts'), join(SRC, 'b.ts')],
  );
  t.same(staticImports(file, "const load = () => import('./a.js');"), []);
});
