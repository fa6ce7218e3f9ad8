// The UI's shape, checked by `make lint`: no function in ui/js is longer than MOST_LINES
// (a view is built from small parts; a long function is a part waiting to be named). Reads
// the modules with the TypeScript compiler already pinned for the type check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const MOST_LINES = 120;
const root = new URL('..', import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

const kinds = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

const long = [];
for (const path of files(join(root, 'ui/js'))) {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (kinds.has(node.kind)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MOST_LINES) {
        const name = node.name?.getText(source) ?? node.parent?.name?.getText(source) ?? '(anonymous)';
        long.push(`${relative(root, path)}:${first + 1} ${name}: ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (long.length) {
  console.error(`Functions over ${MOST_LINES} lines in ui/js:\n  ${long.join('\n  ')}`);
  process.exit(1);
}
console.log(`ui/js: no function over ${MOST_LINES} lines`);
