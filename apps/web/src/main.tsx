/** @jsxRuntime automatic */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { createAppServices } from './lib/services.tsx';
import { applySavedTheme } from './lib/theme.ts';
import './styles.css';

applySavedTheme();

function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const services = createAppServices({ storage: browserStorage() });
window.addEventListener('storage', (event) => {
  if (event.key === null || event.key === 'runecast.session') services.sessions.syncFromStorage();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App services={services} />
  </StrictMode>,
);
