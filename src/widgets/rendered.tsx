/**
 * An execution output rendered by JupyterLab's own renderers (rendermime), always untrusted.
 */
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { formatLocale } from '../format';
import { PROCESS_MAP_MIME } from '../process-map/model';
import { IMindzieService, IResultOutput } from '../tokens';
import { ErrorBox, Spinner } from './common';

/**
 * Render one output of the results: images are fetched (with the page's credentials), text and
 * JSON come inline with `format=detailed`, and so does a process map (drawn interactively).
 * HTML is sanitized (untrusted); SVG is shown as an image, which cannot run script.
 */
export function RenderedOutput(props: {
  output: IResultOutput;
  rendermime: IRenderMimeRegistry;
  service: IMindzieService;
}): JSX.Element {
  const { output, rendermime, service } = props;
  const { trans } = formatLocale();
  const host = React.useRef<HTMLDivElement>(null);
  const [state, setState] = React.useState<
    'loading' | 'ok' | 'error' | 'empty'
  >('loading');
  const [error, setError] = React.useState<unknown>(null);
  const [imageUrl, setImageUrl] = React.useState<string | null>(null);

  React.useEffect(() => {
    let disposed = false;
    let renderer: IRenderMime.IRenderer | null = null;
    let objectUrl: string | null = null;
    const run = async () => {
      if (output.contentType === 'image/svg+xml' && !output.processMap) {
        const blob = await service.fetchArtifact(output.downloadUrl);
        objectUrl = URL.createObjectURL(
          new Blob([await blob.arrayBuffer()], { type: 'image/svg+xml' })
        );
        if (!disposed) {
          setImageUrl(objectUrl);
          setState('ok');
        }
        return;
      }
      const bundle = await bundleOf(output, service);
      if (disposed) {
        return;
      }
      if (!bundle) {
        setState('empty');
        return;
      }
      const mimeType = rendermime.preferredMimeType(bundle, 'ensure');
      if (!mimeType || !host.current) {
        setState('empty');
        return;
      }
      renderer = rendermime.createRenderer(mimeType);
      // Lab's output styles (stderr background, image sizing) key on this class.
      renderer.addClass('jp-OutputArea-output');
      const model = new MimeModel({ data: bundle, trusted: false });
      await renderer.renderModel(model);
      if (disposed || !host.current) {
        renderer.dispose();
        return;
      }
      if (host.current.isConnected) {
        Widget.attach(renderer, host.current);
      } else {
        host.current.appendChild(renderer.node);
      }
      setState('ok');
    };
    run().catch(reason => {
      if (!disposed) {
        setError(reason);
        setState('error');
      }
    });
    return () => {
      disposed = true;
      if (renderer) {
        if (renderer.isAttached) {
          Widget.detach(renderer);
        }
        renderer.dispose();
      }
      if (objectUrl) {
        URL.revokeObjectURL(objectUrl);
      }
    };
  }, [output.downloadUrl, output.contentType]);

  return (
    <div
      className="jp-mindzie-Rendered"
      data-content-type={output.contentType}
      data-state={state}
    >
      {state === 'loading' && <Spinner label={trans.__('Rendering…')} />}
      {state === 'error' && (
        <ErrorBox
          error={error}
          compact
          title={trans.__('Could not show this output')}
        />
      )}
      {state === 'empty' && (
        <div className="jp-mindzie-Muted">
          {output.truncated
            ? trans.__('Too large to show here: download it instead.')
            : trans.__(
                'Nothing JupyterLab can show safely: download it instead.'
              )}
        </div>
      )}
      {imageUrl && (
        <img
          className="jp-mindzie-Rendered-svg"
          src={imageUrl}
          alt={output.title ?? trans.__('SVG output')}
        />
      )}
      <div ref={host} className="jp-mindzie-Rendered-host" />
    </div>
  );
}

/**
 * The MIME bundle rendermime gets for an output.
 */
async function bundleOf(
  output: IResultOutput,
  service: IMindzieService
): Promise<ReadonlyPartialJSONObject | null> {
  if (output.processMap) {
    // Drawn interactively by the process-map renderer; its image stays the download.
    return {
      [PROCESS_MAP_MIME]:
        output.processMap as unknown as ReadonlyPartialJSONObject
    };
  }
  const type = output.contentType;
  if (type === 'image/png' || type === 'image/jpeg') {
    const blob = await service.fetchArtifact(output.downloadUrl);
    return { [type]: await base64(blob) };
  }
  let content = output.content;
  if ((content === undefined || content === null) && !output.truncated) {
    // Not inlined (a summary answer): read the artifact itself.
    const text = await (await service.fetchArtifact(output.downloadUrl)).text();
    content = type === 'application/json' ? JSON.parse(text) : text;
  }
  if (content === undefined || content === null) {
    return null;
  }
  if (type === 'text/plain') {
    const mime =
      output.outputType === 'error'
        ? 'application/vnd.jupyter.stderr'
        : 'text/plain';
    return { [mime]: String(content) };
  }
  return { [type]: content as ReadonlyPartialJSONObject };
}

function base64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
