/**
 * The JSON Schemas of schema/api, loaded and indexed by their `$id`, so that the scripts
 * here follow `urn:jupyter-mindzie:api:…` references to local files, as the server does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_DIR = join(ROOT, 'schema', 'api');

/**
 * Every schema of schema/api: `{ name, id, schema }`, `name` being the file's stem.
 */
export function loadSchemas(dir = SCHEMA_DIR) {
  return readdirSync(dir)
    .filter(file => file.endsWith('.json'))
    .sort()
    .map(file => {
      const schema = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      if (typeof schema.$id !== 'string') {
        throw new Error(`${file}: a schema of schema/api needs an $id`);
      }
      return { name: basename(file, '.json'), id: schema.$id, schema };
    });
}

/**
 * Split a `$ref` into the `$id` of its document (`base` for a local one) and its pointer.
 */
export function splitRef(ref, base) {
  const hash = ref.indexOf('#');
  const id = hash === -1 ? ref : ref.slice(0, hash);
  const pointer = hash === -1 ? '' : ref.slice(hash + 1);
  return { id: id === '' ? base : id, pointer };
}

/**
 * The node at a JSON Pointer (RFC 6901) of a document.
 */
export function pointerGet(document, pointer, where = pointer) {
  if (pointer === '') {
    return document;
  }
  if (!pointer.startsWith('/')) {
    throw new Error(`${where}: only JSON Pointer fragments are supported`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map(part =>
      decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')
    )
    .reduce((node, key) => {
      if (
        node === null ||
        typeof node !== 'object' ||
        !Object.hasOwn(node, key)
      ) {
        throw new Error(`${where}: no such node`);
      }
      return node[key];
    }, document);
}
