import { useState } from 'react';
import { urlProblems } from './lab.ts';

/**
 * Names each value of the page's link that could not be used (the key, the bad value and what is
 * used instead), until dismissed; the rest of the link applies as usual.
 */
export function UrlNotice(props: { problems?: readonly string[] }) {
  const [problems, setProblems] = useState(() => props.problems ?? urlProblems());
  if (problems.length === 0) return null;
  return (
    <div className="banner warning" role="status" data-testid="url-notice">
      <strong>Some values in the link could not be used; the rest of it applies:</strong>
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <button onClick={() => setProblems([])} aria-label="Dismiss the notice about the link">
        ×
      </button>
    </div>
  );
}
