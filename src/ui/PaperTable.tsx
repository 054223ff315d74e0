import { useMemo, useState } from 'react';
import { ofHeldModel } from '../store/auditSlice.ts';
import { naturalAccuracy } from '../sll/certify.ts';
import {
  type PaperTableRow,
  paperTableCells,
  paperTableLatex,
  paperTableMarkdown,
} from '../sll/paperTable.ts';
import { useLab } from './lab.ts';

type Copied = { format: 'Markdown' | 'LaTeX'; text: string; refused: boolean } | null;

/** Copies the table as text, with a visible answer, or offers the text to copy by hand. */
function CopyButtons(props: { rows: PaperTableRow[] }) {
  const [copied, setCopied] = useState<Copied>(null);
  const copy = async (format: 'Markdown' | 'LaTeX') => {
    const text = format === 'Markdown' ? paperTableMarkdown(props.rows) : paperTableLatex(props.rows);
    try {
      // Undefined outside secure contexts; a refusal rejects.
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setCopied({ format, text, refused: false });
    } catch {
      setCopied({ format, text, refused: true });
    }
  };
  return (
    <div className="copy-table">
      <div className="buttons">
        <button type="button" onClick={() => copy('Markdown')} data-testid="copy-markdown">
          Copy as Markdown
        </button>
        <button type="button" onClick={() => copy('LaTeX')} data-testid="copy-latex">
          Copy as LaTeX
        </button>
        {copied && !copied.refused ? (
          <span role="status" data-testid="copy-confirmation">
            Copied the table as {copied.format}.
          </span>
        ) : null}
      </div>
      {copied?.refused ? (
        <label className="copy-fallback">
          The browser refused the clipboard: select this {copied.format} and copy it by hand.
          <textarea
            readOnly
            value={copied.text}
            rows={copied.text.split('\n').length}
            data-testid="copy-fallback"
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>
      ) : null}
    </div>
  );
}

/**
 * The paper's table: natural accuracy and accuracy at its four radii, certified (latest
 * evaluation) and under PGD (the latest PGD curve of the held model), each row with its images
 * and step.
 */
export function PaperTable() {
  const latest = useLab((s) => s.evaluations.at(-1));
  const curve = useLab((s) => (ofHeldModel(s.audit.pgdCurve, s.audit) ? s.audit.pgdCurve.value : null));
  const rows = useMemo<PaperTableRow[]>(() => {
    if (!latest) return [];
    const certified: PaperTableRow = {
      name: 'certified',
      images: latest.n,
      step: latest.step,
      natural: latest.naturalAccuracy,
      atRadii: latest.certified,
    };
    if (!curve) return [certified];
    const pgd: PaperTableRow = {
      name: `PGD (${curve.steps} steps)`,
      images: curve.n,
      step: curve.step,
      natural: naturalAccuracy(curve.predictions, curve.labels),
      atRadii: curve.pgdAtPaperRadii,
    };
    return [certified, pgd];
  }, [latest, curve]);
  if (!latest) return null;
  const { header, body } = paperTableCells(rows);
  // Cells 1 and 2 (test images, step) are said in the caption: the row's cells stay accuracies only.
  const accuracies = (cells: string[]) => [cells[0], ...cells.slice(3)];
  return (
    <div className="panel paper">
      <table className="paper-table" data-testid="paper-table">
        <caption>
          On {latest.n.toLocaleString('en-US')} test images at step {latest.step}
          {curve ? `; PGD on the first ${curve.n.toLocaleString('en-US')} at step ${curve.step}` : ''}.
          Accuracy at L2 radius k/255 (pixels in [0, 1]).
        </caption>
        <thead>
          <tr>
            {accuracies(header).map((h, i) => (
              <th scope="col" key={h}>
                {i === 0 ? '' : h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.map((row, r) => (
            <tr key={r} data-testid={`paper-row-${r === 0 ? 'certified' : 'pgd'}`}>
              <th scope="row">{row[0]}</th>
              {accuracies(row)
                .slice(1)
                .map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
            </tr>
          ))}
        </tbody>
      </table>
      {curve ? null : (
        <p className="note" data-testid="paper-pgd-missing">
          A PGD row joins the table after a PGD curve on this model (Empirical against certified).
        </p>
      )}
      <CopyButtons rows={rows} />
    </div>
  );
}
