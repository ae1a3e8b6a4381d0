/**
 * A notebook's settings: name, dataset binding (with upload), enrichment mode, output format,
 * and auto-execution on a cron schedule that is described in words and checked before saving.
 */
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { browserTimezone, checkCron, formatRunTime, timezones } from '../cron';
import { formatLocale } from '../format';
import { fieldError, problemFields } from '../problems';
import { MindzieRequestError, errorMessage } from '../request';
import {
  IDataset,
  IIntegrationSettings,
  INotebook,
  INotebookUpdate
} from '../tokens';
import { ErrorBox, Select } from './common';
import { Checkbox, DatasetSelect, Field, OutputFormatSelect } from './dialogs';
import { IPanelProps } from './panel';

/**
 * Common schedules and their names.
 */
function cronPresets(): Array<[string, string]> {
  const { trans } = formatLocale();
  return [
    ['0 * * * *', trans._p('schedule preset', 'Every hour')],
    ['0 6 * * *', trans._p('schedule preset', 'Every day at 06:00')],
    ['0 6 * * 1-5', trans._p('schedule preset', 'Weekdays at 06:00')],
    ['0 6 * * 1', trans._p('schedule preset', 'Mondays at 06:00')],
    ['0 0 1 * *', trans._p('schedule preset', 'First day of each month')]
  ];
}

interface ISettingsState {
  notebookName: string;
  notebookDescription: string;
  integration: IIntegrationSettings;
}

function initialState(notebook: INotebook): ISettingsState {
  const saved = notebook.integration;
  return {
    notebookName: notebook.notebookName,
    notebookDescription: notebook.notebookDescription ?? '',
    integration: {
      ...saved,
      scheduleExecution: saved.scheduleExecution ?? '',
      // A first schedule runs on the analyst's own clock unless they pick another zone.
      scheduleTimezone: saved.scheduleExecution
        ? (saved.scheduleTimezone ?? 'UTC')
        : saved.scheduleTimezone && saved.scheduleTimezone !== 'UTC'
          ? saved.scheduleTimezone
          : browserTimezone()
    }
  };
}

/**
 * The zone of a schedule; the server's default is UTC.
 */
function zoneOf(integration: IIntegrationSettings): string {
  return integration.scheduleTimezone || 'UTC';
}

export function IntegrationForm(
  props: IPanelProps & { notebook: INotebook }
): JSX.Element {
  const { model, commands, notebook } = props;
  const { trans } = model;
  const [state, setState] = React.useState<ISettingsState>(() =>
    initialState(notebook)
  );
  const [saving, setSaving] = React.useState(false);
  const [error, setError] = React.useState<unknown>(null);
  const integration = state.integration;
  const set = (patch: Partial<IIntegrationSettings>) =>
    setState({ ...state, integration: { ...integration, ...patch } });

  const cronText = integration.scheduleExecution ?? '';
  const cron =
    cronText.trim() || integration.autoExecution
      ? checkCron(cronText, 3, new Date(), zoneOf(integration))
      : null;
  const zone = zoneOf(integration);
  const refused = problemFields(error);
  const nameError = !state.notebookName.trim()
    ? trans.__('A notebook needs a name.')
    : state.notebookName.trim().length > 200
      ? trans.__('At most %1 characters.', 200)
      : (fieldError(refused, 'notebookName') ?? null);
  const descriptionError =
    state.notebookDescription.trim().length > 4000
      ? trans.__('At most %1 characters.', 4000)
      : (fieldError(refused, 'notebookDescription') ?? null);
  const cronError =
    cron && !cron.valid
      ? (cron.error ?? trans.__('Not a valid schedule.'))
      : (fieldError(refused, 'integration.scheduleExecution') ?? null);
  const zoneError = fieldError(refused, 'integration.scheduleTimezone') ?? null;

  const changes = diff(notebook, state, cron?.valid ? cron.expression : null);
  const dirty = Object.keys(changes).length > 0;
  const invalid =
    !state.notebookName.trim() ||
    state.notebookName.trim().length > 200 ||
    state.notebookDescription.trim().length > 4000 ||
    (!!cron && !cron.valid);

  const save = async () => {
    if (!dirty || invalid || !model.project) {
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const project = model.project;
      const update = (version: string) =>
        model.service.updateNotebook(
          project,
          notebook.notebookId,
          changes,
          version
        );
      // An open notebook gets the change through its editor: no "File Changed" dialog.
      const updated = props.notebooks
        ? await props.notebooks.saveSettings(
            notebook,
            changes,
            update,
            async () =>
              (await model.service.getNotebook(project, notebook.notebookId))
                .notebookVersion
          )
        : await update(notebook.notebookVersion);
      model.setNotebook(updated);
      Notification.success(
        trans.__(
          'Saved the settings of “%1” (version %2).',
          updated.notebookName,
          updated.notebookVersion
        ),
        { autoClose: 3000 }
      );
      void model.refreshNotebooks();
    } catch (reason) {
      setError(reason);
    } finally {
      setSaving(false);
    }
  };

  const uploadAndBind = async () => {
    const dataset = (await commands.execute(CommandIDs.uploadDataset)) as
      IDataset | null | undefined;
    if (dataset) {
      set({ datasetBinding: dataset.datasetId });
    }
  };

  const stale = error instanceof MindzieRequestError && error.status === 412;

  return (
    <form
      className="jp-mindzie-Form jp-mindzie-SettingsForm"
      data-testid="mindzie-settings-form"
      onSubmit={event => {
        event.preventDefault();
        void save();
      }}
    >
      <Field
        label={trans.__('Name')}
        htmlFor="jp-mindzie-set-name"
        error={nameError}
      >
        <input
          id="jp-mindzie-set-name"
          className="jp-mod-styled jp-mindzie-Input"
          value={state.notebookName}
          data-testid="mindzie-settings-name"
          onChange={event =>
            setState({ ...state, notebookName: event.target.value })
          }
        />
      </Field>
      <Field
        label={trans.__('Description')}
        htmlFor="jp-mindzie-set-description"
        error={descriptionError}
      >
        <input
          id="jp-mindzie-set-description"
          className="jp-mod-styled jp-mindzie-Input"
          value={state.notebookDescription}
          placeholder={trans.__('Optional')}
          onChange={event =>
            setState({ ...state, notebookDescription: event.target.value })
          }
        />
      </Field>

      <h3 className="jp-mindzie-Form-heading">
        {trans._p('settings heading', 'Data')}
      </h3>
      <Field
        label={trans.__('Dataset binding')}
        htmlFor="jp-mindzie-set-dataset"
        hint={trans.__(
          'Runs get it as the dataset_id parameter unless the run form sets another.'
        )}
      >
        <div className="jp-mindzie-InputRow">
          <DatasetSelect
            id="jp-mindzie-set-dataset"
            datasets={model.datasets.data ?? []}
            value={integration.datasetBinding}
            testId="mindzie-settings-dataset"
            onChange={datasetBinding => set({ datasetBinding })}
          />
          <button
            type="button"
            className="jp-mindzie-LinkButton"
            data-testid="mindzie-settings-upload-dataset"
            onClick={() => void uploadAndBind()}
          >
            {trans.__('Upload…')}
          </button>
        </div>
      </Field>
      <Checkbox
        label={trans.__(
          'Enrichment mode: publish enriched data back to mindzie'
        )}
        checked={integration.enrichmentMode}
        testId="mindzie-settings-enrichment"
        onChange={enrichmentMode => set({ enrichmentMode })}
      />
      <Field label={trans.__('Output format')} htmlFor="jp-mindzie-set-format">
        <OutputFormatSelect
          id="jp-mindzie-set-format"
          value={integration.outputFormat}
          testId="mindzie-settings-format"
          onChange={outputFormat => set({ outputFormat })}
        />
      </Field>

      <h3 className="jp-mindzie-Form-heading">
        {trans._p('settings heading', 'Schedule')}
      </h3>
      <Checkbox
        label={trans.__('Run automatically on a schedule')}
        checked={integration.autoExecution}
        testId="mindzie-settings-auto"
        onChange={autoExecution => set({ autoExecution })}
      />
      <Field
        label={trans.__('Time zone')}
        htmlFor="jp-mindzie-set-timezone"
        error={zoneError}
        hint={trans.__(
          'The schedule follows this zone’s clock, daylight saving included.'
        )}
      >
        <Select
          id="jp-mindzie-set-timezone"
          value={zone}
          data-testid="mindzie-settings-timezone"
          onChange={event => set({ scheduleTimezone: event.target.value })}
        >
          {(timezones().includes(zone)
            ? timezones()
            : [zone, ...timezones()]
          ).map(name => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
      </Field>
      <Field
        label={trans.__('Cron (minute hour day month weekday)')}
        htmlFor="jp-mindzie-set-cron"
        error={cronError}
      >
        <div className="jp-mindzie-InputRow">
          <input
            id="jp-mindzie-set-cron"
            className="jp-mod-styled jp-mindzie-Input jp-mindzie-Mono"
            value={cronText}
            placeholder="0 6 * * 1-5"
            spellCheck={false}
            data-testid="mindzie-settings-cron"
            onChange={event => set({ scheduleExecution: event.target.value })}
          />
          <Select
            className="jp-mindzie-Presets"
            aria-label={trans.__('Common schedules')}
            value=""
            onChange={event => {
              if (event.target.value) {
                set({ scheduleExecution: event.target.value });
              }
            }}
          >
            <option value="">{trans.__('Presets…')}</option>
            {cronPresets().map(([expression, label]) => (
              <option key={expression} value={expression}>
                {label}
              </option>
            ))}
          </Select>
        </div>
      </Field>
      {cron?.valid ? (
        <div className="jp-mindzie-CronInfo" data-testid="mindzie-cron-info">
          <div
            className="jp-mindzie-CronInfo-description"
            data-testid="mindzie-cron-description"
          >
            {integration.autoExecution
              ? trans._p(
                  'schedule: description, zone',
                  '%1 (%2)',
                  cron.description,
                  zone
                )
              : trans.__(
                  '%1 (%2) — turn on “Run automatically” to use it.',
                  cron.description,
                  zone
                )}
          </div>
          <div className="jp-mindzie-CronInfo-label">
            {trans.__('Next runs')}
          </div>
          <ul
            className="jp-mindzie-CronInfo-runs"
            data-testid="mindzie-cron-next"
          >
            {cron.nextRuns.map(date => (
              <li key={date.toISOString()}>{formatRunTime(date, zone)}</li>
            ))}
          </ul>
        </div>
      ) : null}

      {error ? (
        <ErrorBox
          error={error}
          compact
          title={stale ? trans.__('Changed elsewhere') : undefined}
          onRetry={stale ? () => void model.reloadNotebook() : undefined}
        />
      ) : null}
      {stale ? (
        <div className="jp-mindzie-Muted">
          {trans.__(
            'Someone saved this notebook after you opened it (%1). Reload to see their version, then make your change again.',
            errorMessage(error)
          )}
        </div>
      ) : null}
      <div className="jp-mindzie-Form-actions">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept jp-mindzie-Button"
          data-testid="mindzie-settings-save"
          disabled={!dirty || invalid || saving}
        >
          {saving ? trans.__('Saving…') : trans.__('Save settings')}
        </button>
        <button
          type="button"
          className="jp-mod-styled jp-mindzie-Button"
          disabled={!dirty || saving}
          onClick={() => {
            setState(initialState(notebook));
            setError(null);
          }}
        >
          {trans.__('Discard')}
        </button>
      </div>
    </form>
  );
}

/**
 * The fields that differ from the saved notebook (a PUT is a partial update).
 */
function diff(
  notebook: INotebook,
  state: ISettingsState,
  cron: string | null
): INotebookUpdate {
  const changes: INotebookUpdate = {};
  if (state.notebookName.trim() !== notebook.notebookName) {
    changes.notebookName = state.notebookName.trim();
  }
  const description = state.notebookDescription.trim() || null;
  if (description !== (notebook.notebookDescription || null)) {
    changes.notebookDescription = description;
  }
  const saved = notebook.integration;
  const next = state.integration;
  const integration: Partial<IIntegrationSettings> = {};
  if (next.enrichmentMode !== saved.enrichmentMode) {
    integration.enrichmentMode = next.enrichmentMode;
  }
  if ((next.datasetBinding || null) !== (saved.datasetBinding || null)) {
    integration.datasetBinding = next.datasetBinding || null;
  }
  if (next.outputFormat !== saved.outputFormat) {
    integration.outputFormat = next.outputFormat;
  }
  if (next.autoExecution !== saved.autoExecution) {
    integration.autoExecution = next.autoExecution;
  }
  const schedule = (next.scheduleExecution ?? '').trim() ? cron : null;
  if (schedule !== (saved.scheduleExecution || null)) {
    integration.scheduleExecution = schedule;
  }
  // The zone is saved with a schedule (a first one takes the browser's zone).
  const zone = next.scheduleTimezone || 'UTC';
  if (schedule && zone !== (saved.scheduleTimezone || 'UTC')) {
    integration.scheduleTimezone = zone;
  }
  if (Object.keys(integration).length) {
    changes.integration = integration;
  }
  return changes;
}
