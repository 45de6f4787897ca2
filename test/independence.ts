import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * Services meet only through events and the invoke-proxy, so a service may import `packages/*`
 * but never another service; shared packages may import no service at all.
 */

export interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']|require\s*\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (entry === "node_modules" || entry.startsWith(".")) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(c|m)?(t|j)sx?$/.test(entry) ? [path] : [];
  });
}

export function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? "");
}

/** Which service a path or package name belongs to, if any. */
function serviceOf(
  root: string,
  target: string,
  packageNames: Map<string, string>,
): string | undefined {
  const fromPackage = [...packageNames].find(
    ([pkg]) => target === pkg || target.startsWith(`${pkg}/`),
  );
  if (fromPackage) return fromPackage[1];
  const rel = relative(join(root, "services"), target);
  if (rel.startsWith("..") || rel === "") return undefined;
  return rel.split(sep)[0];
}

export function findViolations(root: string): Violation[] {
  const servicesDir = join(root, "services");
  const services = readdirSync(servicesDir).filter((s) =>
    statSync(join(servicesDir, s)).isDirectory(),
  );
  const packageNames = new Map<string, string>();
  for (const service of services) {
    try {
      const pkg = JSON.parse(readFileSync(join(servicesDir, service, "package.json"), "utf8")) as {
        name: string;
      };
      packageNames.set(pkg.name, service);
    } catch {
      // A service without package.json can only be reached by path, which is checked below.
    }
  }

  const owners = [
    ...services.map((s) => ({ dir: join(servicesDir, s), owner: s as string | undefined })),
    { dir: join(root, "packages"), owner: undefined },
  ];
  const violations: Violation[] = [];
  for (const { dir, owner } of owners) {
    for (const file of sourceFiles(dir)) {
      for (const specifier of importsOf(readFileSync(file, "utf8"))) {
        const target = specifier.startsWith(".") ? resolve(dirname(file), specifier) : specifier;
        const imported = serviceOf(root, target, packageNames);
        if (!imported || imported === owner) continue;
        violations.push({
          file: relative(root, file),
          specifier,
          reason: owner
            ? `service "${owner}" imports service "${imported}": talk through an event or an operation`
            : `a shared package imports service "${imported}"`,
        });
      }
    }
  }
  for (const service of services) {
    try {
      const pkg = JSON.parse(readFileSync(join(servicesDir, service, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
        const other = packageNames.get(dep);
        if (other && other !== service)
          violations.push({
            file: `services/${service}/package.json`,
            specifier: dep,
            reason: `depends on service "${other}"`,
          });
      }
    } catch {
      // No package.json: nothing declared.
    }
  }
  return violations;
}
