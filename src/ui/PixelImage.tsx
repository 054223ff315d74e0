import { useEffect, useRef } from 'react';

/**
 * An image's bytes (`size x size x channels`, grey drawn as RGB) on a canvas of its own pixel size;
 * CSS scales it up with crisp pixels.
 */
export function PixelImage(props: {
  pixels: Uint8Array;
  size: number;
  channels: number;
  alt: string;
  className?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const rgba = new ImageData(props.size, props.size);
    for (let i = 0; i < props.size * props.size; i++) {
      for (let c = 0; c < 3; c++)
        rgba.data[4 * i + c] = props.pixels[i * props.channels + Math.min(c, props.channels - 1)];
      rgba.data[4 * i + 3] = 255;
    }
    ctx.putImageData(rgba, 0, 0);
  }, [props.pixels, props.size, props.channels]);
  return (
    <canvas
      ref={ref}
      width={props.size}
      height={props.size}
      role="img"
      aria-label={props.alt}
      className={props.className}
      data-testid={props.testId}
    />
  );
}
