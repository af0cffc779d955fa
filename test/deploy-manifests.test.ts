import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { loadWebConfig } from '@storefront/bff-web/config';
import { loadCatalogConfig } from '@storefront/catalog/config';
import { loadMigrationConfig, repositoryRoot } from '@storefront/db';
import { loadGatewayConfig } from '@storefront/gateway/config';
import { loadOrdersConfig } from '@storefront/orders/config';
import { createGraphQLHttpServer, createLogger, createMetrics, listen } from '@storefront/http-server';
import { DATABASE_DOMAINS } from '@storefront/stack';
import { loadUsersConfig } from '@storefront/users/config';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { expectLabelled } from '@storefront/testing';
import {
  kustomizationFile,
  parseYamlStream,
  readYamlDocuments,
  renderKustomization,
  withoutHash,
  type K8sObject,
} from './support/kustomize.js';

/**
 * The image and the Kubernetes manifests, checked without a container engine or a cluster:
 * every file parses and every reference resolves, each Deployment's environment is one its
 * service's config accepts and passes, its probes reach routes the servers have, and every
 * entry point the image can start exists in the build.
 */

const deployDir = path.join(repositoryRoot, 'deploy');
const overlay = path.join(deployDir, 'overlays', 'production');
const at = (...parts: string[]) => path.join(repositoryRoot, ...parts);

interface ServiceSpec {
  /** Reads the service's environment exactly as its main.ts does. */
  load: (env: NodeJS.ProcessEnv) => Record<string, unknown>;
  portVariable?: string;
}

const SERVICES: Record<string, ServiceSpec> = {
  users: { load: loadUsersConfig, portVariable: 'USERS_PORT' },
  catalog: { load: loadCatalogConfig, portVariable: 'CATALOG_PORT' },
  orders: { load: loadOrdersConfig, portVariable: 'ORDERS_PORT' },
  gateway: { load: loadGatewayConfig, portVariable: 'GATEWAY_PORT' },
  'bff-web': { load: loadWebConfig, portVariable: 'BFF_WEB_PORT' },
  'bff-mobile': { load: loadMobileConfig, portVariable: 'BFF_MOBILE_PORT' },
  migrate: { load: (env) => loadMigrationConfig(env, DATABASE_DOMAINS) },
};
/** Read by the image's entry point, not by a service. */
const ENTRYPOINT_VARIABLES = new Set(['SERVICE']);

/** The variables a config loader reads: it reads exactly the keys of its zod shape. */
function variablesRead(load: ServiceSpec['load']): Set<string> {
  const read = new Set<string>();
  const env = new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    },
  );
  load(env);
  return read;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The Secret template's values with each `<placeholder>` filled in, as an operator would. */
function secretValues(): Record<string, string> {
  const [secret] = readYamlDocuments(path.join(deployDir, 'base', 'secrets.example.yaml'));
  return Object.fromEntries(
    Object.entries(secret.stringData as Record<string, string>).map(([key, value]) => [
      key,
      value.replace(/<[^>]+>/g, () => randomBytes(30).toString('base64url')),
    ]),
  );
}

const workloads = (objects: K8sObject[]) => objects.filter((object) => object.kind === 'Deployment' || object.kind === 'Job');
const containerOf = (workload: K8sObject) => workload.spec.template.spec.containers[0];
const serviceOf = (workload: K8sObject): string =>
  containerOf(workload).env.find((entry: any) => entry.name === 'SERVICE')?.value;

function environmentOf(workload: K8sObject, secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of containerOf(workload).env ?? []) {
    if (entry.valueFrom?.secretKeyRef) {
      const { name, key } = entry.valueFrom.secretKeyRef;
      expectLabelled(name, `${workload.metadata.name}: ${entry.name}`).toBe('storefront-secrets');
      expectLabelled(
        Object.keys(secrets),
        `${workload.metadata.name}: secret key ${key} is not in secrets.example.yaml`,
      ).toContain(key);
      env[entry.name] = secrets[key]!;
    } else {
      expectLabelled(typeof entry.value, `${workload.metadata.name}: ${entry.name} must be a string`).toBe('string');
      env[entry.name] = entry.value;
    }
  }
  return env;
}

/** The image's SERVICE choices: `name) entry=<file> ;;` lines of its entry point. */
function entrypointChoices(): Map<string, string> {
  const script = readFileSync(at('deploy', 'image', 'entrypoint.sh'), 'utf8');
  return new Map([...script.matchAll(/^\s*([a-z-]+)\)\s*entry=(\S+)\s*;;\s*$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** `kubectl kustomize` of `dir`, or undefined when no kubectl is installed. */
function kubectlKustomize(dir: string): K8sObject[] | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return parseYamlStream(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }), `kubectl kustomize ${dir}`);
}

const rendered = renderKustomization(overlay);
const secrets = secretValues();

describe('deploy/ manifests', () => {
  it('every YAML file parses, and every kustomization names only files that exist', () => {
    const files = [...yamlFiles(deployDir), kustomizationFile(at('gateway'))];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expectLabelled(() => readYamlDocuments(file), file).not.toThrow();
    const kustomizations = files.filter((file) => path.basename(file) === 'kustomization.yaml');
    for (const file of kustomizations) {
      const dir = path.dirname(file);
      const [kustomization] = readYamlDocuments(file);
      const named = [
        ...(kustomization.resources ?? []),
        ...(kustomization.patches ?? []).map((patch: { path: string }) => patch.path),
      ];
      for (const entry of named)
        expectLabelled(existsSync(path.resolve(dir, entry)), `${path.relative(repositoryRoot, file)}: ${entry}`).toBe(true);
    }
    // The Secret template is never applied: real values come from the operator's store.
    expect(rendered.some((object) => object.kind === 'Secret')).toBe(false);
  });

  it('has a Deployment, Service and PodDisruptionBudget per service, HPAs for the gateway and BFFs, and the migration Job', () => {
    const names = (kind: string) =>
      rendered
        .filter((object) => object.kind === kind)
        .map((object) => object.metadata.name)
        .sort();
    const services = Object.keys(SERVICES)
      .filter((name) => name !== 'migrate')
      .sort();
    expect(names('Deployment')).toEqual(services);
    expect(names('Service')).toEqual(services);
    expect(names('PodDisruptionBudget')).toEqual(services);
    expect(names('HorizontalPodAutoscaler')).toEqual(['bff-mobile', 'bff-web', 'gateway']);
    expect(names('Job')).toEqual(['storefront-migrate']);
    for (const object of rendered.filter((candidate) => candidate.kind !== 'Namespace'))
      expect(object.metadata.namespace).toBe('storefront');

    for (const deployment of rendered.filter((object) => object.kind === 'Deployment')) {
      const name = deployment.metadata.name;
      const podLabels = deployment.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) =>
        Object.entries(selector).every(([key, value]) => podLabels[key] === value);
      expectLabelled(selects(deployment.spec.selector.matchLabels), name).toBe(true);
      const service = rendered.find((object) => object.kind === 'Service' && object.metadata.name === name)!;
      expectLabelled(selects(service.spec.selector), `Service ${name}`).toBe(true);
      const containerPorts = containerOf(deployment).ports.map((port: { name: string }) => port.name);
      for (const port of service.spec.ports)
        expectLabelled(containerPorts, `Service ${name} targets ${port.targetPort}`).toContain(port.targetPort);
      const budget = rendered.find((object) => object.kind === 'PodDisruptionBudget' && object.metadata.name === name)!;
      expectLabelled(selects(budget.spec.selector.matchLabels), `PodDisruptionBudget ${name}`).toBe(true);
      const autoscaler = rendered.find((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === name);
      if (autoscaler) {
        expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
        expect(autoscaler.spec.minReplicas).toBeGreaterThanOrEqual(2);
        // Replicas belong to the autoscaler; a fixed count would fight it on every apply.
        expectLabelled(deployment.spec.replicas, name).toBeUndefined();
      } else {
        expectLabelled(deployment.spec.replicas, name).toBeGreaterThanOrEqual(2);
      }
      expectLabelled(deployment.spec.strategy.rollingUpdate.maxUnavailable, name).toBe(0);
    }
  });

  it('sets on each workload only variables its service reads, with values its config accepts', () => {
    for (const workload of workloads(rendered)) {
      const service = serviceOf(workload);
      const spec = SERVICES[service];
      expectLabelled(spec, `${workload.metadata.name}: SERVICE=${service}`).toBeDefined();
      if (workload.kind === 'Deployment') expect(workload.metadata.name).toBe(service);
      const env = environmentOf(workload, secrets);
      const accepted = variablesRead(spec!.load);
      const unknown = Object.keys(env).filter((name) => !accepted.has(name) && !ENTRYPOINT_VARIABLES.has(name));
      expectLabelled(unknown, `${workload.metadata.name} sets variables its config does not read`).toEqual([]);
      // Throws a ConfigError naming the variable when a value is invalid (or a secret a default).
      const config = spec!.load(env);
      if (spec!.portVariable) {
        expectLabelled(containerOf(workload).ports[0].containerPort, `${service}'s port`).toBe(config[spec!.portVariable]);
      }
    }
  });

  it('shows that check can fail: a misspelt or invalid variable is caught', () => {
    expect(variablesRead(loadUsersConfig).has('USERS_DATABSE_URL')).toBe(false);
    expect(() => loadGatewayConfig({ NODE_ENV: 'production', ...secrets, TRUST_PROXY: 'the balancer' })).toThrow(/TRUST_PROXY/);
  });

  it('mounts the supergraph ConfigMap (gateway/supergraph.graphql) where SUPERGRAPH_PATH points', () => {
    const gateway = rendered.find((object) => object.kind === 'Deployment' && object.metadata.name === 'gateway')!;
    const supergraphPath = environmentOf(gateway, secrets).SUPERGRAPH_PATH!;
    const volume = gateway.spec.template.spec.volumes.find((entry: any) => entry.configMap);
    const mount = containerOf(gateway).volumeMounts.find((entry: any) => entry.name === volume.name);
    expect(mount.mountPath).toBe(path.posix.dirname(supergraphPath));
    const configMap = rendered.find((object) => object.kind === 'ConfigMap' && object.metadata.name === volume.configMap.name)!;
    expect(configMap.data[path.posix.basename(supergraphPath)]).toBe(readFileSync(at('gateway', 'supergraph.graphql'), 'utf8'));
  });

  it('asks for at least the memory each service was measured to use, with room above it', () => {
    const readme = readFileSync(at('README.md'), 'utf8');
    for (const deployment of rendered.filter((object) => object.kind === 'Deployment')) {
      const name = deployment.metadata.name;
      const measured = new RegExp(`^${name}\\s+(\\d+)\\s+\\d+\\s+[+-]`, 'm').exec(readme);
      expectLabelled(measured, `README's benchmark table has no RSS for ${name}`).not.toBeNull();
      const { requests, limits } = containerOf(deployment).resources;
      const mebibytes = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)?.[1]);
      expectLabelled(mebibytes(requests.memory) * 1.048576, `${name}: request vs ${measured![1]} MB`).toBeGreaterThanOrEqual(
        Number(measured![1]),
      );
      expectLabelled(mebibytes(limits.memory), `${name}: limit`).toBeGreaterThanOrEqual(1.5 * mebibytes(requests.memory));
      expectLabelled(requests.cpu, name).toMatch(/^\d+m$/);
    }
  });

  describe('probes', () => {
    let base = '';
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      // The HTTP front every server uses (packages/http-server/src/server.ts), answering for real.
      const apollo = new ApolloServer({ typeDefs: 'type Query { ok: Boolean }' });
      const server = createGraphQLHttpServer({
        apollo,
        context: async () => ({}),
        logger: createLogger('probe', 'silent'),
        metrics: createMetrics('probe'),
      });
      const running = await listen(server, 0, '127.0.0.1');
      base = `http://127.0.0.1:${running.port}`;
      close = () => running.close();
    });
    afterAll(() => close?.());

    it('point at routes the servers answer, on the port the container exposes', async () => {
      expect((await fetch(`${base}/health/nothing`)).status).toBe(404);
      for (const deployment of rendered.filter((object) => object.kind === 'Deployment')) {
        const container = containerOf(deployment);
        const probes = { startupProbe: '/health/live', livenessProbe: '/health/live', readinessProbe: '/health/ready' } as const;
        for (const [probe, expected] of Object.entries(probes)) {
          const { path: probePath, port } = container[probe].httpGet;
          expectLabelled(probePath, `${deployment.metadata.name} ${probe}`).toBe(expected);
          expectLabelled(
            container.ports.map((entry: { name: string }) => entry.name),
            `${deployment.metadata.name} ${probe}`,
          ).toContain(port);
          expectLabelled((await fetch(`${base}${probePath}`)).status, probePath).toBe(200);
        }
      }
    });
  });
});

/** The npm workspaces (folders relative to the root), from package.json's patterns. */
function workspaceFolders(): string[] {
  const { workspaces } = JSON.parse(readFileSync(at('package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? readdirSync(at(pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
      : [pattern],
  );
}

/**
 * The packages `files` import, statically or by a literal dynamic import(), as esbuild parses
 * them: a service's bundle holds its dependencies' code, whose strings may look like imports.
 */
async function packageImports(files: string[]): Promise<{ file: string; specifier: string }[]> {
  const { metafile } = await build({
    entryPoints: files,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    outdir: path.join(repositoryRoot, 'node_modules', '.cache', 'import-scan'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.entries(metafile.inputs).flatMap(([file, { imports }]) =>
    imports
      .filter((entry) => entry.external)
      .map((entry) => ({ file: path.resolve(repositoryRoot, file), specifier: entry.path })),
  );
}

describe('the image', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [at('scripts', 'build.mjs')], { cwd: repositoryRoot, stdio: 'ignore' });
  });

  it('offers exactly the SERVICE values the manifests use, each an entry point the build produced', () => {
    const choices = entrypointChoices();
    expect([...choices.keys()].sort()).toEqual(Object.keys(SERVICES).sort());
    expect(new Set(workloads(rendered).map(serviceOf))).toEqual(new Set(choices.keys()));
    for (const [service, entry] of choices) expectLabelled(existsSync(at(entry)), `${service}: ${entry}`).toBe(true);
    const script = readFileSync(at('deploy', 'image', 'entrypoint.sh'), 'utf8');
    expect(script).toContain('exec node --conditions=storefront-dist "$entry"');
  });

  it('is built in stages, with every workspace manifest, and runs as a non-root user through the entry point', () => {
    const dockerfile = readFileSync(at('Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    for (const workspace of workspaceFolders())
      expectLabelled(dockerfile, workspace).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(dockerfile).toContain('ENTRYPOINT ["/app/deploy/image/entrypoint.sh"]');
    const ignored = readFileSync(at('.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('!deploy/image');
    for (const workload of workloads(rendered)) {
      expectLabelled(workload.spec.template.spec.securityContext.runAsNonRoot, workload.metadata.name).toBe(true);
      expectLabelled(containerOf(workload).image, workload.metadata.name).toMatch(/^storefront-graph:/);
    }
  });

  it('needs only production dependencies at run time', async () => {
    const production = new Set(
      execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repositoryRoot, encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('node_modules'))
        .map((line) => line.slice(line.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    const missing = new Set<string>();
    // Every workspace the services import is in the image; packages/testing is for tests only.
    for (const workspace of workspaceFolders().filter((folder) => folder !== 'packages/testing')) {
      const distDir = at(workspace, 'dist');
      if (!existsSync(distDir)) continue;
      const files = readdirSync(distDir, { recursive: true, withFileTypes: true })
        .filter((file) => file.isFile() && file.name.endsWith('.js'))
        // The web app's bundle is static files for browsers (served as they are), not code Node runs.
        .filter((file) => !(workspace === 'apps/web' && file.parentPath.startsWith(path.join(distDir, 'assets'))))
        .map((file) => path.join(file.parentPath, file.name));
      for (const { file, specifier } of await packageImports(files)) {
        if (isBuiltin(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!production.has(name)) missing.add(`${name} (${path.relative(repositoryRoot, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  }, 60_000);
});

const kubectlRender = kubectlKustomize(overlay);

(kubectlRender ? describe : describe.skip)('kubectl kustomize (when kubectl is installed)', () => {
  it('renders the production overlay to the same objects as the checks above', () => {
    const key = (object: K8sObject) => `${object.kind}/${withoutHash(object.metadata.name)}`;
    const normalise = (objects: K8sObject[]) =>
      Object.fromEntries(
        objects.map((object) => {
          const copy = structuredClone(object);
          copy.metadata.name = withoutHash(copy.metadata.name);
          for (const volume of copy.spec?.template?.spec?.volumes ?? [])
            if (volume.configMap) volume.configMap.name = withoutHash(volume.configMap.name);
          // A patched variable's place in the list differs between kustomize versions; its value does not.
          for (const container of copy.spec?.template?.spec?.containers ?? [])
            container.env?.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
          return [key(object), copy];
        }),
      );
    expect(normalise(kubectlRender!)).toEqual(normalise(rendered));
  });
});
