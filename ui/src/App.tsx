import { Suspense } from "react";
import { CssReset, CssVariables } from "@dhis2/ui";
import { I18nProvider } from "./i18n";
import { AppStateProvider, useApp } from "./state";
import { Header } from "./components/Header";
import { InstancesPage } from "./components/InstancesPage";
import { SignInDialog } from "./components/SignInDialog";
import { RegisterAppDialog } from "./components/RegisterAppDialog";
// Loaded on first use, each in a chunk of its own (see screens.tsx).
import { AboutPage, AnalyticsPage, BrowsePage, InstanceWizard, SavedPage, ScreenLoading, SettingsPage } from "./screens";

function Shell() {
  const { page, wizard, signIn, register } = useApp();
  return (
    <div className="app">
      <Header />
      <main className="app-main" id="main">
        {page === "instances" && <InstancesPage />}
        <Suspense fallback={<ScreenLoading />}>
          {page === "browse" && <BrowsePage />}
          {page === "analytics" && <AnalyticsPage />}
          {page === "saved" && <SavedPage />}
          {page === "settings" && <SettingsPage />}
          {page === "about" && <AboutPage />}
        </Suspense>
      </main>
      {wizard && (
        <Suspense fallback={<ScreenLoading overlay />}>
          <InstanceWizard key={wizard.mode === "edit" ? wizard.instance.id : "add"} />
        </Suspense>
      )}
      {register && <RegisterAppDialog key={register.instanceId} instanceId={register.instanceId} />}
      {signIn && <SignInDialog key={`${signIn.instanceId}:${signIn.differentUser}:${signIn.keepSignedIn}`} />}
    </div>
  );
}

export function App() {
  return (
    <I18nProvider>
      <CssReset />
      <CssVariables colors spacers theme elevations layers />
      <AppStateProvider>
        <Shell />
      </AppStateProvider>
    </I18nProvider>
  );
}
