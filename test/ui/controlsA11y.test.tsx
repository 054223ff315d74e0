// @vitest-environment happy-dom
/**
 * What the settings say to a screen reader and to the eye: each slider's value in words, the
 * preset box showing "custom" once the sliders leave the preset, and the notice naming the link's
 * unusable values.
 */
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Controls } from '../../src/ui/Controls.tsx';
import { UrlNotice } from '../../src/ui/UrlNotice.tsx';
import { renderWithLab } from './render.tsx';

afterEach(cleanup);

const slider = (name: string) => screen.getByRole('slider', { name }) as HTMLInputElement;
const presetBox = () => screen.getByTestId('preset-select') as HTMLSelectElement;

describe('Controls, in words', () => {
  it('gives every slider an aria-valuetext that follows its value', () => {
    renderWithLab(<Controls />);
    const texts = screen.getAllByRole('slider').map((s) => s.getAttribute('aria-valuetext'));
    expect(texts).toEqual(['4 conv layers', '1 dense layer', '16 channels', '36/255 = 0.141']);
    fireEvent.change(slider('Conv layers'), { target: { value: '1' } });
    fireEvent.change(slider('Dense layers'), { target: { value: '0' } });
    fireEvent.change(slider('Epsilon'), { target: { value: '255' } });
    expect(slider('Conv layers').getAttribute('aria-valuetext')).toBe('1 conv layer');
    expect(slider('Dense layers').getAttribute('aria-valuetext')).toBe('0 dense layers');
    expect(slider('Epsilon').getAttribute('aria-valuetext')).toBe('255/255 = 1.000');
  });

  it('shows "custom" in the preset box once the sliders leave the preset; a preset choice still works', () => {
    const { store } = renderWithLab(<Controls />);
    fireEvent.change(presetBox(), { target: { value: 'tiny' } });
    expect(presetBox().value).toBe('tiny');
    expect([...presetBox().options].map((o) => o.value)).not.toContain('custom');
    fireEvent.change(slider('Width'), { target: { value: '100' } });
    expect(presetBox().value).toBe('custom');
    const custom = [...presetBox().options].find((o) => o.value === 'custom');
    expect(custom?.textContent).toBe('custom (from tiny)');
    // Shown, but not choosable.
    expect(custom?.disabled).toBe(true);
    fireEvent.change(presetBox(), { target: { value: 'tiny' } });
    expect(presetBox().value).toBe('tiny');
    expect(store.getState().settings.width).toBe(8);
    // Sliders moved back onto the preset: its name again.
    fireEvent.change(slider('Width'), { target: { value: '9' } });
    expect(presetBox().value).toBe('custom');
    fireEvent.change(slider('Width'), { target: { value: '8' } });
    expect(presetBox().value).toBe('tiny');
  });
});

describe('UrlNotice', () => {
  it('lists the problems as a status until dismissed', () => {
    renderWithLab(<UrlNotice problems={['eps=abc is not an integer in 0..255; using 36']} />);
    const notice = screen.getByRole('status');
    expect(notice.textContent).toContain('eps=abc is not an integer in 0..255; using 36');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss the notice about the link' }));
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows nothing for a good link', () => {
    const { container } = renderWithLab(<UrlNotice problems={[]} />);
    expect(container.textContent).toBe('');
  });
});
