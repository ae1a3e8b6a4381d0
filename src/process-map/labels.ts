/**
 * Every text the process map shows, in one place, through the `jupyter_mindzie`
 * translation domain.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

export type TranslationBundle = IRenderMime.TranslationBundle;

/**
 * The map's texts for one translation bundle.
 */
export function processMapLabels(trans: TranslationBundle) {
  const number = new Intl.NumberFormat();
  const percent = new Intl.NumberFormat(undefined, {
    style: 'percent',
    maximumFractionDigits: 0
  });
  return {
    mapLabel: trans.__('Process map'),
    frequency: trans.__('Frequency'),
    performance: trans.__('Performance'),
    metric: trans.__('Shown value'),
    absolute: trans.__('Absolute frequency'),
    caseFrequency: trans.__('Case frequency'),
    mean: trans.__('Mean waiting time'),
    median: trans.__('Median waiting time'),
    p90: trans.__('90th percentile waiting time'),
    activities: trans.__('Activities'),
    paths: trans.__('Paths'),
    start: trans.__('Start'),
    end: trans.__('End'),
    loading: trans.__('Laying out the process map…'),
    sliderValue: (share: number, shown: number, total: number) =>
      trans.__('%1 (%2 of %3)', percent.format(share), shown, total),
    summary: (cases: number, events: number) =>
      trans.__(
        '%1 cases · %2 events',
        number.format(cases),
        number.format(events)
      ),
    cannotShow: (reason: string) =>
      trans.__('This process map cannot be shown: %1', reason),
    count: (value: number) => number.format(value),
    duration: (seconds: number) => formatDuration(trans, seconds),
    // Hover details
    events: trans.__('Events'),
    cases: trans.__('Cases'),
    startsHere: trans.__('Cases starting here'),
    endsHere: trans.__('Cases ending here'),
    transitions: trans.__('Transitions'),
    waitingMean: trans.__('Waiting, mean'),
    waitingMedian: trans.__('Waiting, median'),
    waitingP90: trans.__('Waiting, 90th percentile'),
    ofCases: (value: number, total: number) =>
      trans.__(
        '%1 (%2 of cases)',
        number.format(value),
        percent.format(total ? value / total : 0)
      ),
    arrow: (source: string, target: string) =>
      trans.__('%1 → %2', source, target)
  };
}

export type ProcessMapLabels = ReturnType<typeof processMapLabels>;

/**
 * Waiting times as an analyst reads them: "45 s", "12 min", "3.5 h", "2.1 d".
 */
function formatDuration(trans: TranslationBundle, seconds: number): string {
  const one = (value: number) =>
    value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  if (seconds < 60) {
    return trans.__('%1 s', one(seconds));
  }
  if (seconds < 3600) {
    return trans.__('%1 min', one(seconds / 60));
  }
  if (seconds < 86400) {
    return trans.__('%1 h', one(seconds / 3600));
  }
  return trans.__('%1 d', one(seconds / 86400));
}
