// A local ESLint rule that keeps the dependency directions of ARCHITECTURE.md true.
//
// Each source file belongs to the first layer whose folder contains it. An import that resolves to another
// layer's folder is checked against that layer's rules: `allow` lists layers any import may reach,
// `types` lists layers only `import type` may reach. Everything else is reported. Imports of packages
// (no leading dot) are not this rule's business.
import path from 'node:path';

/** Most specific folder first: a file belongs to the first match. */
export const LAYERS = [
  { name: 'version', dir: 'src/version', allow: [], types: [] },
  // Ports every layer receives from the composition root (the one clock and the one logger), and value types
  // shared by rib and kernel: the prefix key (prefix-key.ts) and the prefix → slot table (prefix-table.ts).
  { name: 'common', dir: 'src/common', allow: [], types: [] },
  { name: 'bgp/wire', dir: 'src/bgp/wire', allow: [], types: [] },
  { name: 'bgp', dir: 'src/bgp', allow: ['bgp/wire', 'common'], types: ['rib'] },
  { name: 'rib', dir: 'src/rib', allow: ['common'], types: [] },
  { name: 'kernel', dir: 'src/kernel', allow: ['common'], types: ['rib'] },
  { name: 'ipam', dir: 'src/ipam', allow: ['common'], types: [] },
  { name: 'config', dir: 'src/config', allow: [], types: ['bgp/wire', 'bgp', 'rib', 'kernel', 'ipam'] },
  // bgpctl: the offline decoder uses the pure codec; everything else goes through the control protocol.
  { name: 'cli', dir: 'src/cli', allow: ['bgp/wire', 'control/protocol', 'version'], types: ['control'] },
  { name: 'control/protocol', dir: 'src/control/protocol', allow: [], types: ['bgp/wire', 'bgp', 'rib', 'kernel', 'ipam'] },
  { name: 'control', dir: 'src/control', allow: ['control/protocol', 'common'], types: ['bgp/wire', 'bgp', 'rib', 'kernel', 'ipam', 'config'] },
  { name: 'metrics', dir: 'src/metrics', allow: ['common'], types: ['bgp/wire', 'bgp', 'rib', 'kernel', 'ipam'] },
  { name: 'daemon', dir: 'src', allow: ['*'], types: [] },
];

function layerOf(file, root) {
  // Imports name the compiled file (`./x.js`); compare without the extension.
  const rel = path.relative(root, file).split(path.sep).join('/').replace(/\.(ts|js|mts|mjs)$/, '');
  return LAYERS.find((l) => rel === l.dir || rel.startsWith(l.dir + '/'));
}

function check(context, node, source, typeOnly) {
  if (typeof source !== 'string' || !source.startsWith('.')) return;
  const root = context.cwd ?? process.cwd();
  const file = context.filename;
  const from = layerOf(file, root);
  if (!from) return;
  const target = layerOf(path.resolve(path.dirname(file), source), root);
  if (!target || target.name === from.name) return;
  if (from.allow.includes('*') || from.allow.includes(target.name)) return;
  if (typeOnly && from.types.includes(target.name)) return;
  const how = from.types.includes(target.name) ? ' except with `import type`' : '';
  context.report({
    node,
    message: `${from.name} must not import ${target.name}${how} (ARCHITECTURE.md dependency rules): '${source}'`,
  });
}

export const layersRule = {
  meta: { type: 'problem', schema: [], docs: { description: 'enforce ARCHITECTURE.md dependency directions' } },
  create(context) {
    return {
      ImportDeclaration(node) {
        const typeOnly = node.importKind === 'type' ||
          (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
        check(context, node, node.source.value, typeOnly);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(context, node, node.source.value, node.exportKind === 'type');
      },
      ExportAllDeclaration(node) {
        check(context, node, node.source.value, node.exportKind === 'type');
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(context, node, node.source.value, false);
      },
    };
  },
};
