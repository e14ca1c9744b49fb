/**
 * A button that copies a text (a scoring URI) to the clipboard and says so in a live region, so a screen
 * reader hears it too. Where the clipboard API is refused (plain HTTP off localhost), the text is selected
 * in a field instead, for the person to copy by hand.
 */
import { useState } from 'react';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => {
        setState('copied');
      },
      () => {
        setState('manual');
      },
    );
  };
  return (
    <span className="copy">
      <button type="button" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span role="status" aria-live="polite" className="muted">
        {state === 'copied' ? 'Copied' : state === 'manual' ? 'Press Ctrl+C to copy' : ''}
      </span>
      {state === 'manual' ? (
        <input
          readOnly
          aria-label={label}
          value={text}
          ref={(el) => {
            el?.select();
          }}
        />
      ) : null}
    </span>
  );
}
