/**
 * Icons of the mindzie extension.
 */
import { LabIcon } from '@jupyterlab/ui-components';

// A small process map: three activities joined by flows. `jp-icon3` lets the theme recolor it.
const mindzieSvgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="5" cy="6" r="3"/>
    <circle cx="19" cy="6" r="3"/>
    <circle cx="12" cy="18" r="3"/>
    <path d="M7.6 7.5l3.2 8.1-1.8.7-3.2-8.1zM16.4 7.5l1.8.7-3.2 8.1-1.8-.7zM8 5h8v2H8z"/>
  </g>
</svg>`;

export const mindzieIcon = new LabIcon({
  name: 'jupyter-mindzie:mindzie',
  svgstr: mindzieSvgstr
});

// The process map with a run triangle: the notebook toolbar's "Run with mindzie".
const runWithMindzieSvgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="4.5" cy="5" r="2.5"/>
    <circle cx="15.5" cy="5" r="2.5"/>
    <circle cx="4.5" cy="17" r="2.5"/>
    <path d="M6.5 4h7v2h-7zM3.5 7.5h2v7h-2z"/>
    <path d="M11 10.5v12l10-6z"/>
  </g>
</svg>`;

export const runWithMindzieIcon = new LabIcon({
  name: 'jupyter-mindzie:run',
  svgstr: runWithMindzieSvgstr
});

// A table with an upward arrow: upload a dataset.
const datasetUploadSvgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h14v2H3zM3 7h6v2H3zM11 7h6v2h-6zM3 11h6v2H3zM3 15h6v2H3zM3 19h9v2H3z"/>
    <path d="M17 11l-5 5h3.5v5h3v-5H22z"/>
  </g>
</svg>`;

export const datasetUploadIcon = new LabIcon({
  name: 'jupyter-mindzie:dataset-upload',
  svgstr: datasetUploadSvgstr
});
