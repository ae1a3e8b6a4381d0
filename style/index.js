import './base.css';
import './process-map.css';
