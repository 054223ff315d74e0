import { useState } from 'react';
import { Accuracies } from './Accuracies.tsx';
import { ArchitectureSummary } from './ArchitectureSummary.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ModelBanner } from './ModelBanner.tsx';
import { ErrorBanner, ResumeBanner, WorkerBanner } from './Banners.tsx';
import { CertifiedCurve, RadiusHistogram } from './charts/Certification.tsx';
import { AccuracyChart, LearningRateChart, LossChart, ThroughputChart } from './charts/TrainingCharts.tsx';
import { Controls } from './Controls.tsx';
import { FilesPanel } from './FilesPanel.tsx';
import { useLab } from './lab.ts';
import { RunButtons } from './RunButtons.tsx';
import { RunEstimate } from './RunEstimate.tsx';
import { PaperTable } from './PaperTable.tsx';
import { ImageExplorer } from './audit/ImageExplorer.tsx';
import { LayerGainsChart } from './audit/LayerGainsChart.tsx';
import { PgdCurvePanel } from './audit/PgdCurvePanel.tsx';
import { SoundnessAlerts } from './audit/SoundnessAlerts.tsx';
import './audit/audit.css';
import { Samples } from './Samples.tsx';
import { StatusBar } from './StatusBar.tsx';
import { UrlNotice } from './UrlNotice.tsx';

const WEIGHTS_FILE = /\.(json|pth|pt)$/i;

export function App() {
  const importDataset = useLab((s) => s.importDataset);
  const loadWeights = useLab((s) => s.loadWeights);
  const [dragging, setDragging] = useState(false);
  return (
    <div
      className={dragging ? 'app dragging' : 'app'}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={async (e) => {
        e.preventDefault();
        setDragging(false);
        const files = [...e.dataTransfer.files];
        if (files.length === 0) return;
        // Dropped anywhere on the page, a weights file (the lab's JSON or a PyTorch checkpoint) or an
        // archive or .bin files: parsed and validated in the worker.
        if (files.length === 1 && WEIGHTS_FILE.test(files[0].name)) {
          loadWeights(new Uint8Array(await files[0].arrayBuffer()));
          return;
        }
        importDataset(
          await Promise.all(
            files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
          ),
        );
      }}
    >
      <header>
        <h1>SLL Lab</h1>
        <p>
          Train a certifiably robust image classifier on your own GPU. Every layer is 1-Lipschitz, so each
          logit margin is a guaranteed L2 radius: no perturbation smaller than it can change the prediction.
        </p>
      </header>
      <WorkerBanner />
      <ResumeBanner />
      <ModelBanner />
      <ErrorBanner />
      <UrlNotice />
      <StatusBar />
      <main className="layout">
        {/* Below 800 px the results move up between the buttons and the settings (styles.css); the
            keyboard keeps this order: Train, Pause, Resume, Reset, then the settings. */}
        <div className="run">
          <RunButtons />
        </div>
        <aside>
          <Controls />
          <ArchitectureSummary />
          <RunEstimate />
          <FilesPanel />
        </aside>
        <div className="results">
          <SoundnessAlerts />
          <Accuracies />
          <PaperTable />
          <PgdCurvePanel />
          <div className="charts">
            <LossChart />
            <AccuracyChart />
            <RadiusHistogram />
            <CertifiedCurve />
            <LearningRateChart />
            <ThroughputChart />
            <LayerGainsChart />
          </div>
          <ImageExplorer />
          <Samples />
        </div>
      </main>
      <ConfirmDialog />
      <footer>
        SDP-based Lipschitz Layers, Araujo et al., ICLR 2023. Runs entirely in your browser; nothing is
        uploaded.
      </footer>
    </div>
  );
}
