/** @jsxRuntime automatic */
import { lazy } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { AppShell, type NavItem } from './components/app-shell.tsx';
import { LoginPage, RequireAdmin, RequireSession, SignupPage } from './features/auth/auth.pages.tsx';
import { ServicesProvider, type AppServices } from './lib/services.tsx';

// Each page is its own chunk: the charts and admin screens load only when opened.
const OverviewPage = lazy(() => import('./features/overview/overview.page.tsx'));
const MarketPage = lazy(() => import('./features/markets/market.page.tsx'));
const RunesPage = lazy(() => import('./features/runes/runes.page.tsx'));
const RunePage = lazy(() => import('./features/runes/rune.page.tsx'));
const CommunityPage = lazy(() => import('./features/community/community.page.tsx'));
const AnalysisPage = lazy(() => import('./features/analysis/analysis.page.tsx'));
const ForecastPage = lazy(() => import('./features/forecasts/forecast.page.tsx'));
const ModelsPage = lazy(() => import('./features/models/models.page.tsx'));
const TrainingPage = lazy(() => import('./features/training/training.page.tsx'));
const JobsPage = lazy(() => import('./features/jobs/jobs.page.tsx'));
const AlertsPage = lazy(() => import('./features/alerts/alerts.page.tsx'));
const AccountPage = lazy(() => import('./features/account/account.page.tsx'));
const WorkspaceSettingsPage = lazy(() => import('./features/workspace/workspace-settings.page.tsx'));
const DefaultMarketPage = lazy(() => import('./features/workspace/default-market.page.tsx'));
const LogsPage = lazy(() => import('./features/logs/logs.page.tsx'));
const AdminPage = lazy(() => import('./features/admin/admin.page.tsx'));

const NAV: readonly NavItem[] = [
  { to: '/', label: 'Overview' },
  { to: '/markets', label: 'Markets' },
  { to: '/runes', label: 'Runes' },
  { to: '/forecast', label: 'Forecast' },
  { to: '/models', label: 'Models' },
  { to: '/training', label: 'Training' },
  { to: '/analysis', label: 'Analysis' },
  { to: '/community', label: 'Community' },
  { to: '/jobs', label: 'Jobs' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/logs', label: 'Logs', adminOnly: true },
  { to: '/admin', label: 'Admin', adminOnly: true },
];

function NotFound() {
  return (
    <div className="page">
      <div className="panel state">
        <h2>No such page</h2>
        <Link to="/">Back to the overview</Link>
      </div>
    </div>
  );
}

export function App(props: { services: AppServices }) {
  return (
    <ServicesProvider services={props.services}>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route
            element={
              <RequireSession>
                <AppShell nav={NAV} />
              </RequireSession>
            }
          >
            <Route index element={<OverviewPage />} />
            <Route path="markets" element={<DefaultMarketPage />} />
            <Route path="markets/:exchange/:symbol" element={<MarketPage />} />
            <Route path="runes" element={<RunesPage />} />
            <Route path="runes/:name" element={<RunePage />} />
            <Route path="forecast" element={<ForecastPage />} />
            <Route path="models" element={<ModelsPage />} />
            <Route path="training" element={<TrainingPage />} />
            <Route path="analysis" element={<AnalysisPage />} />
            <Route path="community" element={<CommunityPage />} />
            <Route path="jobs" element={<JobsPage />} />
            <Route path="jobs/:jobId" element={<JobsPage />} />
            <Route path="alerts" element={<AlertsPage />} />
            <Route path="account" element={<AccountPage />} />
            <Route path="account/workspace" element={<WorkspaceSettingsPage />} />
            <Route
              path="logs"
              element={
                <RequireAdmin>
                  <LogsPage />
                </RequireAdmin>
              }
            />
            <Route
              path="admin"
              element={
                <RequireAdmin>
                  <AdminPage />
                </RequireAdmin>
              }
            />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </ServicesProvider>
  );
}
