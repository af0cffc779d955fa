import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Prisma's own schema parser, without its native engines: the `prisma-schema-wasm` build
 * (the WebAssembly module `prisma validate`/`prisma generate` use to read schema.prisma).
 *
 * Preferred source is the public `@prisma/prisma-schema-wasm` package when it is installed;
 * otherwise the copy that ships inside the `prisma` CLI package
 * (`prisma/build/prisma_schema_build_bg.wasm`), whose wasm-bindgen glue is bundled into the
 * CLI and not exported, so the few imports it needs are provided here.
 */

/** The parts of Prisma's DMMF datamodel the drift check reads. */
export interface DmmfDatamodel {
  enums: DmmfEnum[];
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: Array<{ name: string; dbName?: string | null }>;
}

export interface DmmfModel {
  name: string;
  dbName?: string | null;
  schema?: string | null;
  fields: DmmfField[];
  primaryKey?: { name?: string | null; fields: string[] } | null;
}

type DmmfDefault = { name: string; args: unknown[] } | string | number | boolean | unknown[];

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt?: boolean;
  hasDefaultValue: boolean;
  default?: DmmfDefault;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  isDefinedOnField: boolean;
  name?: string | null;
  dbName?: string | null;
  algorithm?: string;
  fields: Array<{ name: string; sortOrder?: 'asc' | 'desc'; length?: number; operatorClass?: string }>;
}

type GetDmmf = (params: string) => string;

let parser: Promise<GetDmmf> | undefined;

function loadParser(): Promise<GetDmmf> {
  parser ??= (async () => {
    const require = createRequire(import.meta.url);
    try {
      // A variable specifier: the package is optional and has no types here.
      const specifier = '@prisma/prisma-schema-wasm';
      const mod = (await import(specifier)) as { get_dmmf?: GetDmmf; default?: { get_dmmf?: GetDmmf } };
      const getDmmf = mod.get_dmmf ?? mod.default?.get_dmmf;
      if (getDmmf) return getDmmf;
    } catch {
      // Not installed: use the copy inside the prisma CLI below.
    }
    let wasmPath: string;
    try {
      wasmPath = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'prisma_schema_build_bg.wasm');
    } catch {
      throw new Error('cannot read schema.prisma: neither @prisma/prisma-schema-wasm nor the prisma CLI package is installed');
    }
    return instantiateCliWasm(await readFile(wasmPath), wasmPath);
  })();
  parser.catch(() => {
    parser = undefined;
  });
  return parser;
}

/** The slice of the WebAssembly JS API used here (tsconfig's lib has no WebAssembly types). */
interface WasmTable {
  grow(delta: number): number;
  get(index: number): unknown;
  set(index: number, value: unknown): void;
}
interface WasmModuleConstructor {
  new (bytes: Uint8Array): object;
  imports(module: object): Array<{ module: string; name: string; kind: string }>;
}
interface WasmApi {
  Module: WasmModuleConstructor;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmExports {
  memory: { buffer: ArrayBuffer };
  get_dmmf(pointer: number, length: number): [number, number, number, number];
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(pointer: number, size: number, align: number): void;
  __wbindgen_externrefs: WasmTable;
  __externref_table_dealloc(index: number): void;
  __wbindgen_start(): void;
}

/** Instantiates the prisma CLI's schema wasm with a minimal version of its wasm-bindgen glue. */
function instantiateCliWasm(bytes: Buffer, wasmPath: string): GetDmmf {
  const module = new WebAssembly.Module(bytes);
  let panicMessage: string | undefined;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
  const memory = () => new Uint8Array(exports.memory.buffer);
  const text = (pointer: number, length: number) => decoder.decode(memory().subarray(pointer >>> 0, (pointer >>> 0) + length));

  // Import names carry a hash that changes between Prisma versions; bind them by prefix.
  const glue: Array<[RegExp, (...args: number[]) => unknown]> = [
    [/^__wbg_Error_/, (pointer, length) => new Error(text(pointer, length))],
    [
      /^__wbg___wbindgen_throw_/,
      (pointer, length) => {
        throw new Error(text(pointer, length));
      },
    ],
    [
      /^__wbg_set_message_/,
      (pointer, length) => {
        panicMessage = text(pointer, length);
      },
    ],
    [
      /^__wbindgen_init_externref_table$/,
      () => {
        const table = exports.__wbindgen_externrefs;
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset + 0, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
      },
    ],
  ];
  const imports: Record<string, Record<string, (...args: number[]) => unknown>> = {};
  for (const wanted of WebAssembly.Module.imports(module)) {
    const match = glue.find(([pattern]) => pattern.test(wanted.name));
    if (!match) {
      throw new Error(
        `${wasmPath} needs the import ${wanted.module}.${wanted.name}, which this loader does not know ` +
          '(a newer prisma version?); install @prisma/prisma-schema-wasm matching the prisma version instead',
      );
    }
    (imports[wanted.module] ??= {})[wanted.name] = match[1];
  }
  // The glue above reads `exports` only when the module calls it, after this line.
  const exports = new WebAssembly.Instance(module, imports).exports as WasmExports;
  exports.__wbindgen_start();
  const wasm = exports;

  return (params: string) => {
    const input = new TextEncoder().encode(params);
    const pointer = wasm.__wbindgen_malloc(input.length, 1) >>> 0;
    memory().set(input, pointer);
    let result: [number, number, number, number];
    try {
      result = wasm.get_dmmf(pointer, input.length);
    } catch (error) {
      // A Rust panic traps the instance ("unreachable"); the panic hook left its message.
      throw new Error(`Prisma's schema parser panicked: ${panicMessage ?? String(error)}`);
    }
    const [outPointer, outLength, errorIndex, failed] = result;
    if (failed) {
      const error = wasm.__wbindgen_externrefs.get(errorIndex);
      wasm.__externref_table_dealloc(errorIndex);
      throw error;
    }
    try {
      return text(outPointer, outLength);
    } finally {
      wasm.__wbindgen_free(outPointer, outLength, 1);
    }
  };
}

/**
 * The DMMF datamodel of a Prisma schema, as Prisma's own parser reads it. Invalid schemas
 * throw with Prisma's validation message.
 */
async function parsePrismaSchema(files: Array<[path: string, content: string]>): Promise<DmmfDatamodel> {
  const getDmmf = await loadParser();
  let output: string;
  try {
    output = getDmmf(JSON.stringify({ prismaSchema: files, noColor: true }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    let detail = message;
    try {
      detail = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // Not Prisma's JSON error format: keep the message as it is.
    }
    throw new Error(`invalid Prisma schema: ${detail}`);
  }
  return (JSON.parse(output) as { datamodel: DmmfDatamodel }).datamodel;
}

export async function readPrismaSchema(schemaPath: string): Promise<DmmfDatamodel> {
  return parsePrismaSchema([[schemaPath, await readFile(schemaPath, 'utf8')]]);
}
