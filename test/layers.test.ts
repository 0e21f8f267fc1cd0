/**
 * The layer check: every import of the project's TypeScript against the parts
 * and rules in docs/layers.json (explained in docs/design.md, "Which way imports
 * run"). Reads the sources with the TypeScript parser, so `import type`, type-only
 * names, `export … from`, `import('…')` and `typeof import('…')` are all seen.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Packages = 'any' | { only: string[] } | { not: string[] };
type PartRule = {
  paths: string[];
  imports: string[] | '*';
  typeImports?: string[];
  packages: Packages;
  builtins: boolean;
};
export type Layers = { roots: string[]; notProduct: string[]; parts: Record<string, PartRule> };

/** One import as written: the specifier (undefined when computed), its line, whether it vanishes at runtime. */
export type ImportRef = { specifier: string | undefined; line: number; typeOnly: boolean };

/** Every import of a source text: static, side-effect, re-export, dynamic, `import x = require()`, `import('…')` types. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const literal = (e: ts.Node | undefined) => (e && ts.isStringLiteralLike(e) ? e.text : undefined);
  // `const pkg = \`@scope/${x}\`; await import(pkg)`: a const declared once in the file names what the import loads.
  const consts = new Map<string, ts.Expression | undefined>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && n.flags & ts.NodeFlags.Const) {
      for (const d of n.declarations) {
        if (ts.isIdentifier(d.name)) consts.set(d.name.text, consts.has(d.name.text) ? undefined : d.initializer);
      }
    }
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      // `import type …`, or `import { type A, type B }` (elided at runtime); `import {} from` and `import 'x'` run the module.
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ specifier: literal(n.moduleSpecifier), line: line(n), typeOnly });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier) {
      const typeOnly =
        n.isTypeOnly ||
        (!!n.exportClause && ts.isNamedExports(n.exportClause) &&
          n.exportClause.elements.length > 0 && n.exportClause.elements.every((e) => e.isTypeOnly));
      out.push({ specifier: literal(n.moduleSpecifier), line: line(n), typeOnly });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      out.push({ specifier: literal(n.moduleReference.expression), line: line(n), typeOnly: n.isTypeOnly });
    } else if (ts.isImportTypeNode(n)) {
      const arg = n.argument;
      out.push({ specifier: ts.isLiteralTypeNode(arg) ? literal(arg.literal) : undefined, line: line(n), typeOnly: true });
    } else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword ||
      (ts.isIdentifier(n.expression) && n.expression.text === 'require' && n.arguments.length === 1))) {
      let arg: ts.Expression | undefined = n.arguments[0];
      if (arg && ts.isIdentifier(arg)) arg = consts.get(arg.text) ?? arg;
      let specifier = literal(arg);
      // `import(\`@scope/${x}\`)`: the static head still names the package (scope) it loads.
      if (specifier === undefined && arg && ts.isTemplateExpression(arg) && /^[@a-z]/i.test(arg.head.text)) {
        specifier = arg.head.text.endsWith('/') ? `${arg.head.text}*` : undefined;
      }
      out.push({ specifier, line: line(n), typeOnly: false });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (s: string) => s.startsWith('node:') || BUILTINS.has(s) || BUILTINS.has(s.split('/')[0]!);
const packageName = (s: string) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
const matches = (pkg: string, pattern: string) =>
  pattern.endsWith('/*') ? pkg.startsWith(pattern.slice(0, -1)) : pkg === pattern;

function packageAllowed(rule: Packages, pkg: string): boolean {
  if (rule === 'any') return true;
  if ('only' in rule) return rule.only.some((p) => matches(pkg, p));
  return !rule.not.some((p) => matches(pkg, p));
}

/** The part a repository-relative path belongs to: undefined if none claims it; throws if several do. */
export function partOf(layers: Layers, file: string): string | undefined {
  const owners = Object.entries(layers.parts)
    .filter(([, rule]) => rule.paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)))
    .map(([name]) => name);
  if (owners.length > 1) throw new Error(`${file} is claimed by several parts: ${owners.join(', ')}`);
  return owners[0];
}

/** The rules themselves must make sense: known parts, and nothing in the product allowed to import test/ or loadtest/. */
export function checkLayers(layers: Layers): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(layers.parts));
  for (const n of layers.notProduct) if (!names.has(n)) problems.push(`notProduct names unknown part "${n}"`);
  for (const [name, rule] of Object.entries(layers.parts)) {
    const listed = [...(rule.imports === '*' ? [] : rule.imports), ...(rule.typeImports ?? [])];
    for (const other of listed) {
      if (!names.has(other)) problems.push(`part "${name}" lists unknown part "${other}"`);
      if (layers.notProduct.includes(other) && !layers.notProduct.includes(name)) {
        problems.push(`part "${name}" is in the product but may import "${other}"`);
      }
    }
  }
  return problems;
}

/** Every forbidden arrow among `files` (repository-relative path → source text), as `file:line → import (A → B)`. */
export function forbiddenImports(layers: Layers, files: ReadonlyMap<string, string>): string[] {
  const product = Object.keys(layers.parts).filter((p) => !layers.notProduct.includes(p));
  const found: string[] = [];
  for (const [file, text] of files) {
    const from = partOf(layers, file);
    if (!from) {
      found.push(`${file} belongs to no part of docs/layers.json`);
      continue;
    }
    const rule = layers.parts[from]!;
    const imports = rule.imports === '*' ? product : rule.imports;
    for (const { specifier, line, typeOnly } of importsOf(file, text)) {
      const at = `${file}:${line}`;
      if (specifier === undefined) {
        found.push(`${at} → (computed specifier) (${from} → ?: the check cannot see what it loads)`);
        continue;
      }
      if (specifier.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
        const to = partOf(layers, target);
        if (!to) found.push(`${at} → ${specifier} (${from} → ${target}, which belongs to no part)`);
        else if (to === from || imports.includes(to)) continue;
        else if (rule.typeImports?.includes(to)) {
          if (!typeOnly) found.push(`${at} → ${specifier} (${from} → ${to}: only type-only imports allowed)`);
        } else found.push(`${at} → ${specifier} (${from} → ${to})`);
      } else if (isBuiltin(specifier)) {
        if (!rule.builtins) found.push(`${at} → ${specifier} (${from} → Node built-in)`);
      } else {
        const pkg = packageName(specifier);
        if (!packageAllowed(rule.packages, pkg)) found.push(`${at} → ${specifier} (${from} → package ${pkg})`);
      }
    }
  }
  return found;
}

function sources(layers: Layers): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    const abs = path.join(ROOT, rel);
    if (statSync(abs).isDirectory()) {
      for (const entry of readdirSync(abs).sort()) walk(path.posix.join(rel, entry));
    } else if (rel.endsWith('.ts')) files.set(rel, readFileSync(abs, 'utf8'));
  };
  for (const root of layers.roots) walk(root.replace(/\/$/, ''));
  return files;
}

const layers = JSON.parse(readFileSync(path.join(ROOT, 'docs/layers.json'), 'utf8')) as Layers;

describe('layers (docs/layers.json)', () => {
  it('the rules name only known parts and keep test/ and loadtest/ out of the product', () => {
    assert.deepEqual(checkLayers(layers), []);
  });

  it('the check reports forbidden imports (self-test on synthetic files)', () => {
    const files = new Map([
      [
        'src/game/fake.ts',
        [
          "import type { SpellDef } from '../content/types.js';", // allowed: type-only
          "import { type NpcDef, type LootTable } from '../content/types.js';", // allowed: every name type-only
          "import { loadContent } from '../content/index.js';", // value import of content
          "import { regionBounds } from '../world/index.js';", // allowed
          "export { createApp } from '../api/app.js';", // re-export of a part above
          "import '@colyseus/core';", // side-effect import of a framework
          "type Q = typeof import('bullmq');", // type-only still counts for packages
          "const m = await import('node:fs');", // Node built-in
          "const n = await import(name);", // computed
          "const orm = `@mikro-orm/${kind}`; await import(orm);", // computed, but a const names the scope
        ].join('\n'),
      ],
      ['rooms/fake.ts', "import type { EntityManager } from '@mikro-orm/postgresql';\nimport { x } from '../test/support/pg.js';"],
      ['src/jobs/fake.ts', "import type { HealthCheck } from '../api/health.js';"],
      ['src/stray.ts', "export const x = 1;"],
    ]);
    assert.deepEqual(forbiddenImports(layers, files), [
      'src/game/fake.ts:3 → ../content/index.js (game → content: only type-only imports allowed)',
      'src/game/fake.ts:5 → ../api/app.js (game → api)',
      'src/game/fake.ts:6 → @colyseus/core (game → package @colyseus/core)',
      'src/game/fake.ts:7 → bullmq (game → package bullmq)',
      'src/game/fake.ts:8 → node:fs (game → Node built-in)',
      'src/game/fake.ts:9 → (computed specifier) (game → ?: the check cannot see what it loads)',
      'src/game/fake.ts:10 → @mikro-orm/* (game → package @mikro-orm/*)',
      'rooms/fake.ts:1 → @mikro-orm/postgresql (rooms → package @mikro-orm/postgresql)',
      'rooms/fake.ts:2 → ../test/support/pg.js (rooms → test)',
      'src/jobs/fake.ts:1 → ../api/health.js (jobs → api)',
      'src/stray.ts belongs to no part of docs/layers.json',
    ]);
  });

  it('every import of src/, rooms/, schema/, loadtest/ and mikro-orm.config.ts runs the allowed way', () => {
    const files = sources(layers);
    assert.ok(files.size > 50, `found only ${files.size} files`);
    const found = forbiddenImports(layers, files);
    assert.equal(found.length, 0, `${found.length} forbidden import(s) (rules: docs/layers.json, docs/design.md):\n  ${found.join('\n  ')}`);
  });
});
