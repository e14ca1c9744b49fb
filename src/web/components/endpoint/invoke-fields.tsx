/**
 * The fields of the invoke form, each with the server's message beside it (`aria-describedby` ties the
 * message to the field for screen readers): the input (a datastore path and whether it is a folder or a
 * file, or a data asset), the deployment, and the output folder.
 */
import type { InvokeValues } from './invoke-request.ts';
import { DataAssetPicker } from './data-asset-picker.tsx';

type Set = (change: Partial<InvokeValues>) => void;
type Errors = Partial<Record<'input' | 'deployment' | 'output' | 'form', string>>;

function describedBy(error: string | undefined, id: string) {
  return error === undefined ? {} : { 'aria-invalid': true, 'aria-describedby': id };
}

function FieldMessage({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {message}
    </span>
  );
}

interface InputProps {
  values: InvokeValues;
  errors: Errors;
  set: Set;
  onKind: (kind: InvokeValues['kind']) => void;
}

export function InputFields({ values, errors, set, onKind }: InputProps) {
  return (
    <fieldset>
      <legend>Input</legend>
      <label className="inline">
        <input
          type="radio"
          name="source"
          checked={values.source === 'path'}
          onChange={() => {
            set({ source: 'path' });
          }}
        />
        Datastore path
      </label>
      <label className="inline">
        <input
          type="radio"
          name="source"
          checked={values.source === 'asset'}
          onChange={() => {
            set({ source: 'asset' });
          }}
        />
        Data asset
      </label>
      {values.source === 'path' ? (
        <>
          <label>
            Input path
            <input
              value={values.path}
              placeholder="azureml://datastores/workspaceblobstore/paths/folder"
              spellCheck={false}
              {...describedBy(errors.input, 'invoke-input-error')}
              onChange={(e) => {
                set({ path: e.target.value });
              }}
            />
          </label>
          <label>
            The path is a
            <select
              value={values.kind}
              onChange={(e) => {
                set({ kind: e.target.value as InvokeValues['kind'] });
              }}
            >
              <option value="UriFolder">Folder</option>
              <option value="UriFile">File</option>
            </select>
          </label>
        </>
      ) : (
        <DataAssetPicker
          asset={values.asset}
          version={values.version}
          error={errors.input}
          onChange={(asset, version) => {
            set({ asset, version });
          }}
          onKind={onKind}
        />
      )}
      <FieldMessage id="invoke-input-error" message={errors.input} />
    </fieldset>
  );
}

interface DeploymentProps {
  values: InvokeValues;
  errors: Errors;
  set: Set;
  deployments: string[];
  defaultDeployment: string | null;
}

export function DeploymentField({ values, errors, set, deployments, defaultDeployment }: DeploymentProps) {
  return (
    <label>
      Deployment
      <select
        value={values.deployment}
        {...describedBy(errors.deployment, 'invoke-deployment-error')}
        onChange={(e) => {
          set({ deployment: e.target.value });
        }}
      >
        <option value="">Default{defaultDeployment === null ? '' : ` (${defaultDeployment})`}</option>
        {deployments.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
      <FieldMessage id="invoke-deployment-error" message={errors.deployment} />
    </label>
  );
}

export function OutputField({ values, errors, set }: { values: InvokeValues; errors: Errors; set: Set }) {
  return (
    <label>
      Output folder (optional)
      <input
        value={values.output}
        placeholder="azureml://datastores/workspaceblobstore/paths/results"
        spellCheck={false}
        {...describedBy(errors.output, 'invoke-output-error')}
        onChange={(e) => {
          set({ output: e.target.value });
        }}
      />
      <FieldMessage id="invoke-output-error" message={errors.output} />
    </label>
  );
}
