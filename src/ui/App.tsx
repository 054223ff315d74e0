import { PRESET_NAMES, presetArch } from '../kernels/arch.ts';
import { countParameters } from '../kernels/params.ts';

/** Placeholder page until the lab page lands: lists the presets the engine provides. */
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
      <h1>SLL Lab</h1>
      <p>Certifiably robust SLL networks, trained in your browser. The training page is coming.</p>
      <table>
        <thead>
          <tr>
            <th align="left">preset</th>
            <th align="right">parameters</th>
          </tr>
        </thead>
        <tbody>
          {PRESET_NAMES.map((name) => (
            <tr key={name}>
              <td>{name}</td>
              <td align="right">{countParameters(presetArch(name)).toLocaleString('en-US')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
