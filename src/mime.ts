/**
 * The mime extension of jupyter-mindzie: the interactive process map wherever JupyterLab
 * renders outputs (notebooks, the output view, and the panel's results and run views, which
 * render through the same registry).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { processMapRendererFactory } from './process-map/view';

const extension: IRenderMime.IExtension = {
  id: 'jupyter-mindzie:process-map',
  description:
    'Renders process maps (application/vnd.mindzie.process-map+json).',
  rendererFactory: processMapRendererFactory,
  rank: 40,
  dataType: 'json'
};

export default extension;
