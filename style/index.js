import './base.css';
import './process-map.css';
import './panel.css';
import './history.css';
