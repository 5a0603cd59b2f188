import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from '@modelwatch/core';

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

export interface BundleManifest {
  /** Every file in the bundle (relative to `dist/`), as it was when bundled. */
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

/** The bundle's URL if it is there and up to date. */
export function freshBundle(dist: URL = new URL('../', import.meta.url)): URL | null {
  try {
    const manifest = JSON.parse(readFileSync(new URL(MANIFEST_FILE, dist), 'utf8')) as BundleManifest;
    const base = fileURLToPath(dist);
    for (const [path, was] of Object.entries(manifest.inputs)) {
      const st = statSync(`${base}${path}`);
      if (st.size !== was.size || st.mtimeMs !== was.mtimeMs) return null;
    }
    return new URL(BUNDLE_FILE, dist);
  } catch {
    return null;
  }
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
