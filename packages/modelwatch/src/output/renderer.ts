import type { Script } from 'node:vm';
import type { Report } from '@modelwatch/core';
import { freshBundleFile, runBundle, type BundleManifest } from '../bundles.js';

/**
 * Loading the HTML renderer: the one-file bundle that `build/bundle-renderer`
 * writes next to the built CLI when it is there and was made from exactly the
 * files installed now (same sizes and modification times), else
 * `@modelwatch/ui` module by module. Both render the same HTML; the bundle
 * loads in a quarter of the time.
 *
 * The bundle is a CommonJS script run through `vm.Script` with V8's code cache
 * (`renderer.bundle.cache`), which the build made after rendering a sample
 * report: the functions a render needs are then not compiled again (loading
 * and the first render each ~20 ms faster). A cache V8 rejects (another Node,
 * other flags) is ignored.
 */

export interface Renderer {
  renderReportHtml(report: Report, options?: { title?: string }): string;
}

/** Paths relative to `dist/`. */
export const BUNDLE_FILE = 'renderer.bundle.cjs';
export const MANIFEST_FILE = 'renderer.bundle.json';
export const CACHE_FILE = 'renderer.bundle.cache';

export type { BundleManifest };

/** The bundle's URL if it is there and up to date. */
export function freshBundle(dist: URL = new URL('../', import.meta.url)): URL | null {
  return freshBundleFile(dist, BUNDLE_FILE, MANIFEST_FILE);
}

/** Runs the renderer bundle (see `bundles.ts`). */
export function runRendererBundle(file: URL, cache?: URL): { exports: Renderer; script: Script } {
  return runBundle<Renderer>(file, cache);
}

/** Imports the renderer (the bundle when fresh). */
export async function loadRenderer(): Promise<Renderer> {
  const bundle = freshBundle();
  if (bundle) {
    try {
      return runRendererBundle(bundle, new URL(CACHE_FILE, bundle)).exports;
    } catch {
      // a broken bundle: the modules still work
    }
  }
  return import('@modelwatch/ui');
}
