import type { Report } from '@modelwatch/core';
import { freshBundleFile, type BundleManifest } from '../bundles.js';

/**
 * Loading the HTML renderer: the one-file bundle that `build/bundle-renderer`
 * writes next to the built CLI when it is there and was made from exactly the
 * files installed now (same sizes and modification times), else
 * `@modelwatch/ui` module by module. Both render the same HTML; the bundle
 * loads in a quarter of the time.
 */

export interface Renderer {
  renderReportHtml(report: Report, options?: { title?: string }): string;
}

/** Paths relative to `dist/`. */
export const BUNDLE_FILE = 'renderer.bundle.js';
export const MANIFEST_FILE = 'renderer.bundle.json';

export type { BundleManifest };

/** The bundle's URL if it is there and up to date. */
export function freshBundle(dist: URL = new URL('../', import.meta.url)): URL | null {
  return freshBundleFile(dist, BUNDLE_FILE, MANIFEST_FILE);
}

/** Imports the renderer (the bundle when fresh). */
export async function loadRenderer(): Promise<Renderer> {
  const bundle = freshBundle();
  if (bundle) {
    try {
      return (await import(bundle.href)) as Renderer;
    } catch {
      // a broken bundle: the modules still work
    }
  }
  return import('@modelwatch/ui');
}
