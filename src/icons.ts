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
