import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Every .ts file under a folder. */
function sources(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/**
 * Edges between the top-level folders of `root` (files at the top form the
 * folder "."), from every relative import or re-export, type-only ones
 * included: a type import still ties two folders together.
 */
export function folderGraph(root: string): Map<string, Map<string, string[]>> {
  const top = (path: string) => {
    const parts = relative(root, path).split(sep);
    return parts.length > 1 ? parts[0]! : '.';
  };
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), match[1]!);
      if (!target.startsWith(root + sep)) continue;
      const from = top(file);
      const to = top(target);
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      edges.set(to, [...(edges.get(to) ?? []), relative(root, file)]);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Each cycle among folders, as "a → b → a (a/x.ts, b/y.ts)", so the failure names the files. */
export function folderCycles(root: string): string[] {
  const graph = folderGraph(root);
  const cycles: string[] = [];
  const seen = new Set<string>();
  const visit = (node: string, path: string[]) => {
    if (path.includes(node)) {
      const loop = [...path.slice(path.indexOf(node)), node];
      const key = [...loop.slice(0, -1)].sort().join(',');
      if (!seen.has(key)) {
        seen.add(key);
        const files = loop
          .slice(0, -1)
          .map((from, i) => graph.get(from)!.get(loop[i + 1]!)![0])
          .join(', ');
        cycles.push(`${loop.join(' → ')} (${files})`);
      }
      return;
    }
    for (const next of graph.get(node)?.keys() ?? []) visit(next, [...path, node]);
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}
