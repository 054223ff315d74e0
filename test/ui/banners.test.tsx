// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, toTrainConfig } from '../../src/store/settings.ts';
import { ErrorBanner, ResumeBanner } from '../../src/ui/Banners.tsx';
import { emit, renderWithLab } from './render.tsx';

afterEach(cleanup);

describe('ErrorBanner', () => {
  it('shows a worker error with its hint until dismissed', () => {
    const { store } = renderWithLab(<ErrorBanner />);
    expect(screen.queryByRole('alert')).toBeNull();
    emit(store, {
      type: 'error',
      name: 'DeviceLost',
      message: 'the GPU device was lost',
      hint: 'training resumes from the last checkpoint',
    });
    const alert = screen.getByRole('alert');
    expect(alert).toBe(screen.getByTestId('error-banner'));
    expect(alert.querySelector('strong')?.textContent).toBe('DeviceLost:');
    expect(alert.textContent).toContain('the GPU device was lost');
    expect(alert.querySelector('.hint')?.textContent).toBe('training resumes from the last checkpoint');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss the error' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows no hint line when there is none', () => {
    const { store } = renderWithLab(<ErrorBanner />);
    emit(store, { type: 'error', name: 'Busy', message: 'pause first', hint: null });
    expect(screen.getByRole('alert').querySelector('.hint')).toBeNull();
  });
});

describe('ResumeBanner', () => {
  const config = toTrainConfig({ ...DEFAULT_SETTINGS, preset: 'tiny', nConv: 2, nDense: 1, width: 8 });

  it('offers an interrupted run, and resumes it', () => {
    const { store, sent } = renderWithLab(<ResumeBanner />);
    expect(screen.queryByTestId('resume-banner')).toBeNull();
    emit(store, { type: 'resumable', step: 120, totalSteps: 400, config, savedAt: 0 });
    expect(screen.getByRole('status').textContent).toContain(
      `A run was interrupted at step 120 of 400 (${config.preset}, 2 conv x 8).`,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Resume it' }));
    expect(sent).toEqual([{ type: 'restoreCheckpoint' }, { type: 'resume' }]);
    expect(screen.queryByTestId('resume-banner')).toBeNull();
  });

  it('discards an interrupted run', () => {
    const { store, sent } = renderWithLab(<ResumeBanner />);
    emit(store, { type: 'resumable', step: 120, totalSteps: 400, config, savedAt: 0 });
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(sent).toEqual([{ type: 'reset' }]);
    expect(screen.queryByTestId('resume-banner')).toBeNull();
  });
});
