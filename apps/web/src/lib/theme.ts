import { useSyncExternalStore } from 'react';

export type Theme = 'dark' | 'light';

const STORAGE_KEY = 'runecast.theme';
const listeners = new Set<() => void>();

function readTheme(): Theme {
  if (typeof document === 'undefined') return 'dark';
  return document.documentElement.dataset.theme === 'light' ? 'light' : 'dark';
}

/** Applies the saved theme; dark unless the user chose light. */
export function applySavedTheme(): void {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be off (private mode); the default theme is fine.
  }
  document.documentElement.dataset.theme = saved === 'light' ? 'light' : 'dark';
}

export function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Not saved, still applied.
  }
  for (const listener of listeners) listener();
}

export function useTheme(): Theme {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readTheme,
    () => 'dark' as Theme,
  );
}

/** Colours the canvas charts use, read from the theme's CSS variables. */
export interface ChartPalette {
  background: string;
  text: string;
  grid: string;
  border: string;
  up: string;
  down: string;
  accent: string;
  forecast: string;
  band80: string;
  band95: string;
  muted: string;
  series: string[];
}

export function chartPalette(): ChartPalette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    background: read('--panel', '#111827'),
    text: read('--text-muted', '#9aa4b2'),
    grid: read('--grid', '#1f2937'),
    border: read('--border', '#273244'),
    up: read('--up', '#26a69a'),
    down: read('--down', '#ef5350'),
    accent: read('--accent', '#4c8dff'),
    forecast: read('--forecast', '#f5b942'),
    band80: read('--band-80', 'rgba(245,185,66,0.28)'),
    band95: read('--band-95', 'rgba(245,185,66,0.14)'),
    muted: read('--text-muted', '#9aa4b2'),
    series: [
      read('--series-1', '#4c8dff'),
      read('--series-2', '#f5b942'),
      read('--series-3', '#4cc38a'),
      read('--series-4', '#e0648c'),
      read('--series-5', '#a78bfa'),
      read('--series-6', '#22c3d6'),
    ],
  };
}
