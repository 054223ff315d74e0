import { percent } from './format.ts';
import { useLab } from './lab.ts';

/** The paper's table for the latest evaluation: natural accuracy and certified at its four radii. */
export function PaperTable() {
  const latest = useLab((s) => s.evaluations.at(-1));
  if (!latest) return null;
  return (
    <table className="panel paper-table" data-testid="paper-table">
      <caption>
        On {latest.n.toLocaleString('en-US')} test images at step {latest.step}
      </caption>
      <thead>
        <tr>
          <th scope="col">natural</th>
          {latest.certified.map((c) => (
            <th scope="col" key={c.eps}>
              certified at {Math.round(c.eps * 255)}/255
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>{percent(latest.naturalAccuracy, 2)}</td>
          {latest.certified.map((c) => (
            <td key={c.eps}>{percent(c.accuracy, 2)}</td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}
