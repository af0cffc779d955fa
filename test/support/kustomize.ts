import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Renders a kustomization the way `kubectl kustomize` does, for the features deploy/ uses:
 * `resources` (files and kustomization folders), `configMapGenerator` with files,
 * `namespace`, `images` and strategic-merge `patches` (lists of named items merged by name).
 * Generated names carry no content hash here; compare with kubectl's output through
 * `withoutHash`. Any other kustomization field is refused, so a manifest using one fails the
 * test instead of being checked half-rendered.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'namespace', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace']);
/** Lists whose items strategic merge matches by `name` (the ones deploy/ patches). */
const MERGE_BY_NAME = new Set(['containers', 'env', 'ports', 'volumes', 'volumeMounts']);

/** Every YAML document of a text (a file, or kubectl's output), failing on any parse error. */
export function parseYamlStream(text: string, source: string): any[] {
  const documents = [...parseAllDocuments(text)];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((error) => error.message).join('; ')}`);
  }
  return documents.map((document) => document.toJS()).filter((value) => value !== null && value !== undefined);
}

export function readYamlDocuments(file: string): any[] {
  return parseYamlStream(readFileSync(file, 'utf8'), file);
}

export function kustomizationFile(dir: string): string {
  return path.join(dir, 'kustomization.yaml');
}

function strategicMerge(target: any, patch: any, key?: string): any {
  if (Array.isArray(patch)) {
    if (!key || !MERGE_BY_NAME.has(key) || !Array.isArray(target)) return structuredClone(patch);
    const merged = target.map((item) => structuredClone(item));
    for (const item of patch) {
      const at = merged.findIndex((existing) => existing.name === item.name);
      if (at === -1) merged.push(structuredClone(item));
      else merged[at] = strategicMerge(merged[at], item);
    }
    return merged;
  }
  if (patch === null || typeof patch !== 'object') return patch;
  const result = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [field, value] of Object.entries(patch)) result[field] = strategicMerge(result[field], value, field);
  return result;
}

function eachContainer(object: K8sObject, visit: (container: any) => void): void {
  const podSpec = object.spec?.template?.spec;
  for (const container of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) visit(container);
}

export function renderKustomization(dir: string): K8sObject[] {
  const file = kustomizationFile(dir);
  const kustomization = readYamlDocuments(file)[0] as Record<string, any>;
  const unsupported = Object.keys(kustomization).filter((field) => !SUPPORTED.has(field));
  if (unsupported.length > 0) throw new Error(`${file}: this renderer does not support ${unsupported.join(', ')}`);

  const objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const target = path.resolve(dir, resource);
    if (!existsSync(target)) throw new Error(`${file}: resource ${resource} does not exist`);
    objects.push(...(statSync(target).isDirectory() ? renderKustomization(target) : (readYamlDocuments(target) as K8sObject[])));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const entry of generator.files as string[]) {
      const [key, source] = entry.includes('=') ? entry.split('=', 2) : [path.basename(entry), entry];
      const sourcePath = path.resolve(dir, source!);
      if (path.relative(dir, sourcePath).startsWith('..'))
        throw new Error(`${file}: ${source} is outside the kustomization (kustomize refuses it)`);
      data[key!] = readFileSync(sourcePath, 'utf8');
    }
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
  }
  for (const { path: patchPath } of kustomization.patches ?? []) {
    for (const patch of readYamlDocuments(path.resolve(dir, patchPath)) as K8sObject[]) {
      const at = objects.findIndex((object) => object.kind === patch.kind && object.metadata.name === patch.metadata.name);
      if (at === -1)
        throw new Error(
          `${file}: patch ${patchPath} targets ${patch.kind}/${patch.metadata.name}, which is not among its resources`,
        );
      objects[at] = strategicMerge(objects[at], patch);
    }
  }
  for (const image of kustomization.images ?? []) {
    for (const object of objects) {
      eachContainer(object, (container) => {
        const [name] = String(container.image).split(':');
        if (name === image.name) container.image = `${image.newName ?? name}${image.newTag ? `:${image.newTag}` : ''}`;
      });
    }
  }
  if (kustomization.namespace) {
    for (const object of objects)
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata = { ...object.metadata, namespace: kustomization.namespace };
  }
  return objects;
}

/** A generated name without kustomize's content-hash suffix. */
export function withoutHash(name: string): string {
  return name.replace(/-[a-z0-9]{10}$/, '');
}
