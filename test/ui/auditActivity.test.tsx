// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusBar } from '../../src/ui/StatusBar.tsx';
import { emit, renderWithLab } from './render.tsx';

afterEach(cleanup);

describe('StatusBar: an audit job', () => {
  it('shows its PGD progress with a measured bar, and clears it at the end', () => {
    const { store } = renderWithLab(<StatusBar />);
    emit(store, { type: 'progress', task: 'audit', done: 30, total: 100, unit: 'PGD steps' });
    const activity = screen.getByTestId('activity');
    expect(activity.textContent).toBe('Auditing the certificates30 / 100 PGD steps');
    expect(activity.querySelector('progress')?.getAttribute('value')).toBe('30');
    emit(store, { type: 'progress', task: 'audit', done: 100, total: 100, unit: 'PGD steps' });
    expect(screen.queryByTestId('activity')).toBeNull();
  });
});
