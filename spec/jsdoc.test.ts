import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every runtime export of the library entry points carries JSDoc (docs/api.md, "JSDoc
// convention"): a one-line summary; for functions, static factories and public constructors a
// `@param` per named parameter and a `@throws` line naming the HydroSyncError codes (or
// `@throws never` when it cannot throw); constants a summary. Read from the source with the
// TypeScript compiler, so a new undocumented export fails here.
const root = join(__dirname, '..');
const ENTRIES: Record<string, string> = {
  '.': 'src/index.ts',
  './codec': 'src/codec/index.ts',
  './cipher': 'src/cipher/index.ts',
  './keys': 'src/keys/index.ts',
  './tokens': 'src/tokens/index.ts',
  './vectors': 'src/vectors/index.ts',
  './meter': 'src/meter/index.ts',
  './report': 'src/report/index.ts',
  './link': 'src/link/index.ts',
  './hsm': 'src/hsm/index.ts',
  './node': 'src/node/index.ts',
};

type Callable = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.ArrowFunction | ts.FunctionExpression;

function summaryOf(node: ts.Node): string {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const last = docs[docs.length - 1];
  if (!last) return '';
  return ts.getTextOfJSDocComment(last.comment)?.trim() ?? '';
}

function tagsOf(node: ts.Node): readonly ts.JSDocTag[] {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  return docs[docs.length - 1]?.tags ?? [];
}

/** What is missing from the JSDoc of one callable (empty when complete). */
function callableProblems(node: Callable, docNode: ts.Node): string[] {
  const problems: string[] = [];
  if (!summaryOf(docNode)) problems.push('no summary');
  const tags = tagsOf(docNode);
  const documented = new Set(tags.filter(ts.isJSDocParameterTag).map((t) => t.name.getText()));
  for (const p of node.parameters) {
    if (!ts.isIdentifier(p.name)) continue; // destructured: documented by its type
    if (!documented.has(p.name.text)) problems.push(`no @param ${p.name.text}`);
  }
  if (!tags.some((t) => t.tagName.text === 'throws')) problems.push('no @throws');
  return problems;
}

function isPublic(m: ts.ClassElement): boolean {
  const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : [];
  if (m.name && ts.isPrivateIdentifier(m.name)) return false;
  return !mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword);
}

function isStatic(m: ts.ClassElement): boolean {
  const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : [];
  return mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
}

function declarationProblems(name: string, decl: ts.Declaration): string[] {
  const out: string[] = [];
  const src = decl.getSourceFile();
  const where = src.fileName.startsWith(root) ? ` (${src.fileName.slice(root.length + 1)}:${src.getLineAndCharacterOfPosition(decl.getStart()).line + 1})` : '';
  const at = (what: string, problems: string[]) => problems.forEach((p) => out.push(`${what}${where}: ${p}`));
  if (ts.isFunctionDeclaration(decl)) {
    // Overloads: each signature is documented; the implementation is not what users see.
    const overloaded = decl.body && decl.parent.getChildren().some((n) => n !== decl && ts.isFunctionDeclaration(n) && n.name?.text === decl.name?.text);
    if (!overloaded) at(name, callableProblems(decl, decl));
  } else if (ts.isClassDeclaration(decl)) {
    if (!summaryOf(decl)) at(name, ['no summary']);
    for (const m of decl.members) {
      if (!isPublic(m) || (m.name && ts.isComputedPropertyName(m.name))) continue; // e.g. [Symbol.hasInstance]
      if (tagsOf(m).some((t) => t.tagName.text === 'internal')) continue; // not for users (e.g. Hsm.create)
      if (ts.isConstructorDeclaration(m) && m.body && m.parameters.length > 0) {
        at(`new ${name}`, callableProblems(m, m));
      } else if (ts.isMethodDeclaration(m) && isStatic(m) && (!m.body || !decl.members.some((o) => o !== m && ts.isMethodDeclaration(o) && o.name.getText() === m.name.getText()))) {
        at(`${name}.${m.name.getText()}`, callableProblems(m, m));
      }
    }
  } else if (ts.isVariableDeclaration(decl)) {
    const statement = decl.parent.parent; // VariableDeclarationList → VariableStatement
    const init = decl.initializer;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) at(name, callableProblems(init, statement));
    else if (!summaryOf(statement)) at(name, ['no summary']);
  }
  return out;
}

const program = ts.createProgram(Object.values(ENTRIES).map((f) => join(root, f)), {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true, noEmit: true, types: ['node'],
});
const checker = program.getTypeChecker();

/** Runtime exports of one entry point, each with what its JSDoc lacks. */
function entryProblems(file: string): { names: string[]; problems: string[] } {
  const source = program.getSourceFile(join(root, file));
  if (!source) throw new Error(`not in program: ${file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`no module symbol: ${file}`);
  const names: string[] = [];
  const problems: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & ts.SymbolFlags.Value)) continue; // types and interfaces
    names.push(exported.name);
    for (const decl of symbol.declarations ?? []) problems.push(...declarationProblems(exported.name, decl));
  }
  return { names, problems };
}

describe('JSDoc on every runtime export', () => {
  for (const [entry, file] of Object.entries(ENTRIES)) {
    it(`${entry} (${file})`, () => {
      const { names, problems } = entryProblems(file);
      expect(names.length).toBeGreaterThan(0);
      expect(problems, problems.join('\n')).toEqual([]);
    });
  }

  it('flags a function without JSDoc (the check can fail)', () => {
    const probe = ts.createSourceFile('probe.ts', 'export function f(a: string, b: number) { return a; }\n/** Summary.\n * @param a x\n * @throws never\n */\nexport function g(a: string, b: number) { return a; }', ts.ScriptTarget.ES2022, true);
    const [f, g] = probe.statements.filter(ts.isFunctionDeclaration);
    expect(declarationProblems('f', f!)).toEqual(['f: no summary', 'f: no @param a', 'f: no @param b', 'f: no @throws']);
    expect(declarationProblems('g', g!)).toEqual(['g: no @param b']);
  });
});
