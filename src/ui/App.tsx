import { Accuracies } from './Accuracies.tsx';
import { ArchitectureSummary } from './ArchitectureSummary.tsx';
import { ErrorBanner, ResumeBanner } from './Banners.tsx';
import { CertifiedCurve, RadiusHistogram } from './charts/Certification.tsx';
import { AccuracyChart, LearningRateChart, LossChart, ThroughputChart } from './charts/TrainingCharts.tsx';
import { Controls } from './Controls.tsx';
import { FilesPanel } from './FilesPanel.tsx';
import { RunButtons } from './RunButtons.tsx';
import { Samples } from './Samples.tsx';
import { StatusBar } from './StatusBar.tsx';

export function App() {
  return (
    <div className="app">
      <header>
        <h1>SLL Lab</h1>
        <p>
          Train a certifiably robust image classifier on your own GPU. Every layer is 1-Lipschitz, so each
          logit margin is a guaranteed L2 radius: no perturbation smaller than it can change the prediction.
        </p>
      </header>
      <ResumeBanner />
      <ErrorBanner />
      <StatusBar />
      <main className="layout">
        <aside>
          <RunButtons />
          <Controls />
          <ArchitectureSummary />
          <FilesPanel />
        </aside>
        <div className="results">
          <Accuracies />
          <div className="charts">
            <LossChart />
            <AccuracyChart />
            <RadiusHistogram />
            <CertifiedCurve />
            <LearningRateChart />
            <ThroughputChart />
          </div>
          <Samples />
        </div>
      </main>
      <footer>
        SDP-based Lipschitz Layers, Araujo et al., ICLR 2023. Runs entirely in your browser; nothing is
        uploaded.
      </footer>
    </div>
  );
}
